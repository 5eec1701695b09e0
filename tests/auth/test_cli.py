"""``flask users ...``: the administrator's way in on a fresh server."""
from __future__ import annotations

from sqlalchemy import func, select

from roundtable.auth.models import User
from roundtable.extensions import db
from tests.factories import PASSWORD


def user_count() -> int:
    return db.session.scalar(select(func.count(User.id)))


def find(username: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.username == username))


def test_create_a_secretary_in_a_community(runner, world):
    result = runner.invoke(
        args=["users", "create", "zhangcx", "--name", "张晨茜", "--community", "西河沿社区",
              "--role", "secretary", "--password", "demo-pass-1"]
    )
    assert result.exit_code == 0, result.output
    user = find("zhangcx")
    assert user.display_name == "张晨茜"
    assert user.role_in(world.a.community.id) == "secretary"
    assert user.check_password("demo-pass-1")


def test_create_department_staff_and_an_admin(runner, world):
    assert runner.invoke(args=["users", "create", "liu", "--department", "区交通支队", "--password", "demo-pass-1"]).exit_code == 0
    assert find("liu").department_ids == [world.department.id]
    assert runner.invoke(args=["users", "create", "boss", "--admin", "--password", "demo-pass-1"]).exit_code == 0
    assert find("boss").is_admin


def test_an_unknown_community_or_department_writes_nothing(runner, world):
    before = user_count()
    result = runner.invoke(args=["users", "create", "ghost", "--community", "不存在社区", "--password", "demo-pass-1"])
    assert result.exit_code != 0
    assert "找不到社区「不存在社区」" in result.output
    result = runner.invoke(args=["users", "create", "ghost", "--department", "不存在部门", "--password", "demo-pass-1"])
    assert result.exit_code != 0
    assert "找不到部门「不存在部门」" in result.output
    assert user_count() == before and find("ghost") is None


def test_a_short_password_or_a_taken_username_is_refused(runner, world):
    result = runner.invoke(args=["users", "create", "shorty", "--password", "1234567"])
    assert result.exit_code != 0 and "密码至少需要8位" in result.output
    assert find("shorty") is None
    result = runner.invoke(args=["users", "create", "a_resident", "--password", "demo-pass-1"])
    assert result.exit_code != 0 and "已被使用" in result.output


def test_set_password_replaces_the_old_one_and_ends_sessions(runner, world):
    version = world.a.resident.session_version
    result = runner.invoke(args=["users", "set-password", "a_resident", "--password", "brand-new-pass"])
    assert result.exit_code == 0, result.output
    user = find("a_resident")
    assert user.check_password("brand-new-pass") and not user.check_password(PASSWORD)
    assert user.session_version > version


def test_set_password_refuses_a_short_one_and_unknown_users(runner, world):
    result = runner.invoke(args=["users", "set-password", "a_resident", "--password", "short"])
    assert result.exit_code != 0 and "密码至少需要8位" in result.output
    assert find("a_resident").check_password(PASSWORD)
    result = runner.invoke(args=["users", "set-password", "nobody", "--password", "brand-new-pass"])
    assert result.exit_code != 0 and "找不到用户「nobody」" in result.output


def test_deactivate_switches_the_account_off(runner, client, world):
    result = runner.invoke(args=["users", "deactivate", "a_resident"])
    assert result.exit_code == 0, result.output
    assert not find("a_resident").active
    response = client.post("/login", data={"username": "a_resident", "password": PASSWORD})
    assert "该账号已停用" in response.get_data(as_text=True)
    assert runner.invoke(args=["users", "deactivate", "nobody"]).exit_code != 0
