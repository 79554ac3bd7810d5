def test_customer_api_round_trip(owner_api, outsider_api):
    created = owner_api.post("/api/v1/customers", {"name": "Grace Hopper", "email": "grace@example.com"})
    assert created.status_code == 201, created.content
    cid = created.json()["id"]
    assert owner_api.get(f"/api/v1/customers/{cid}").status_code == 200
    foreign = outsider_api.get(f"/api/v1/customers/{cid}")
    assert foreign.status_code == 404
    assert foreign.json()["code"] == "not_found"
