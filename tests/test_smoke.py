from tests.conftest import sign_in


async def test_front_page_is_swedish_by_default(client):
    response = await client.get("/")
    assert response.status_code == 200
    assert '<html lang="sv">' in response.text


async def test_organiser_signs_in(client, staff_accounts):
    response = await sign_in(client, "organiser@test.se")
    assert response.status_code in (302, 303)
    assert response.headers["location"] == "/staff"
    page = await client.get("/organiser/members")
    assert page.status_code == 200
