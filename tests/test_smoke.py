def test_health_reports_database(client):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json["database"]["ok"] is True


def test_world_builds(world, client):
    response = client.get("/api/v1/auth/me", headers=world.headers("pa1"))
    assert response.status_code == 200
    assert response.json["username"] == "pa1"
