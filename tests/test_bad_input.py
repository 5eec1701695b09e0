"""Text with NUL characters is refused with a clear 400, on every backend, before any write."""


def test_a_nul_character_in_a_form_is_refused_not_a_server_error(client, auth, world):
    auth.login("a_secretary")
    response = client.post("/cases/new", data={"description": "超时\x00停车", "external_number": "X1"})
    assert response.status_code == 400
    assert "无效字符" in response.get_data(as_text=True)


def test_a_nul_character_in_a_link_is_refused(client):
    response = client.get("/j/abc%00def")
    assert response.status_code == 400


def test_open311_gets_its_own_error_format_for_nul_characters(client):
    response = client.get("/open311/v2/requests.json?service_code=park%00ing")
    assert response.status_code == 400
    body = response.get_json()
    assert body[0]["code"] == 400 and body[0]["description"]
