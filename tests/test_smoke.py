def test_home_renders_in_chinese(client):
    html = client.get("/").get_data(as_text=True)
    assert 'lang="zh-CN"' in html
