import rolecall


def test_version_matches_the_core() -> None:
    assert rolecall.version() == rolecall.__version__
    assert rolecall.__version__.count(".") == 2


def test_catalogue_is_exposed_by_dotted_name() -> None:
    names = rolecall.permission_names()
    assert names[0] == "users.view"
    assert "broadcasts.control" in names
    assert len(names) == len(set(names))
