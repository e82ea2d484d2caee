from tests.scope_tools import api


def test_smoke(client, world):
    cats = world.categories()
    h = world.headers("pa1")
    r = client.post(api("/tickets"), headers={**h, "Idempotency-Key": "k1"}, json={
        "type": "complaint", "channel": "phone", "org_unit_id": world.unit("P-EAST-1"), "title": "漏水",
        "description": "卫生间漏水", "category_id": cats["leakage"]})
    print(r.status_code, r.get_json(), dict(r.headers))
    assert r.status_code == 201
    t = r.get_json()
    r2 = client.post(api("/tickets"), headers={**h, "Idempotency-Key": "k1"}, json={
        "type": "complaint", "channel": "phone", "org_unit_id": world.unit("P-EAST-1"), "title": "漏水",
        "description": "卫生间漏水", "category_id": cats["leakage"]})
    assert r2.status_code == 201 and r2.get_json()["id"] == t["id"], r2.get_json()
    r = client.get(api("/tickets"), headers=h)
    print(r.status_code, r.headers.get("X-Pagination"), len(r.get_json()))
    r = client.patch(api(f"/tickets/{t['id']}"), headers={**world.headers("pm1"), "If-Match": '"1"'}, json={"assignee_id": world.user("eng1")})
    print(r.status_code, r.get_json())
    assert r.status_code == 200
    r = client.patch(api(f"/tickets/{t['id']}"), headers={**world.headers("pm1"), "If-Match": '"1"'}, json={"priority": "urgent"})
    assert r.status_code == 412, r.get_json()
    r = client.post(api(f"/tickets/{t['id']}/transitions"), headers=world.headers("eng1"), json={"to": "in_progress"})
    assert r.status_code == 200, r.get_json()
    r = client.post(api(f"/tickets/{t['id']}/transitions"), headers=world.headers("eng1"), json={"to": "closed"})
    print(r.get_json()); assert r.status_code == 409
    r = client.post(api(f"/tickets/{t['id']}/escalate"), headers=world.headers("pm1"), json={"reason": "x"})
    print(r.get_json()); assert r.status_code == 201
    r = client.post(api(f"/tickets/{t['id']}/comments"), headers=world.headers("pa1"), json={"body": "已联系", "kind": "reply"})
    assert r.status_code == 201, r.get_json()
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 100
    import io
    r = client.post(api(f"/tickets/{t['id']}/attachments"), headers=world.headers("pa1"), data={"file": (io.BytesIO(png), "a.png")}, content_type="multipart/form-data")
    print(r.get_json()); assert r.status_code == 201
    aid = r.get_json()["id"]
    r = client.get(api(f"/tickets/{t['id']}/attachments/{aid}"), headers=world.headers("pa1"))
    assert r.status_code == 200 and r.data == png
    r = client.get(api(f"/tickets/{t['id']}/events"), headers=world.headers("pa1"))
    print([e["kind"] for e in r.get_json()])
    assert client.get(api(f"/tickets/{t['id']}"), headers=world.headers("pa2")).status_code == 404
    r = client.get(api("/tickets?q=漏水&overdue=false&status=in_progress&org_unit_id=%d" % world.unit("EAST")), headers=world.headers("rm_east"))
    print(r.status_code, r.get_json() if r.status_code != 200 else len(r.get_json()))
    r = client.get(api("/sla-policies"), headers=world.headers("hq_crm"))
    print(r.status_code, r.get_json()["targets"][:2])
    r = client.put(api("/sla-policies"), headers=world.headers("hq_crm"), json={"org_unit_id": world.unit("EAST"), "targets": [{"type": "repair", "priority": "normal", "response_minutes": 60, "resolve_minutes": 600}]})
    print(r.status_code, r.get_json()["targets"][4])
    r = client.get(api("/categories?page_size=100"), headers=world.headers("eng1"))
    print(r.status_code, len(r.get_json()))
