"""Staff views of personal data are themselves audited."""

import json

from chalicelib.core import audit


def test_a_staff_view_of_personal_data_is_recorded(client, staff_token):
    token = staff_token("viewer.admin", "taishan", ["unit_admin"])
    response = client.http.get("/admin/units/demo-taishan-factory/staff", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.body
    [view] = audit.views("taishan")
    assert view["actor"] == "staff:viewer.admin"
    assert view["route"] == "GET /admin/units/{unit_id}/staff"
    assert view["target"] == "unit_id=demo-taishan-factory"


def test_a_refused_view_is_not_recorded_as_a_view(client, staff_token):
    token = staff_token("viewer.admin", "taishan", ["unit_admin"])
    response = client.http.get("/admin/units/daiyue/staff", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 404
    assert json.loads(response.body)["title"] == "未找到"
    assert audit.views("taishan") == []
