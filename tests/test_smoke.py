def test_login_page_is_chinese(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert "登录" in response.get_data(as_text=True)


def test_secretary_logs_in_and_reaches_the_case_desk(client, auth, world):
    response = auth.login("a_secretary")
    assert response.status_code == 302
    assert client.get("/home").headers["Location"].endswith("/cases/")
