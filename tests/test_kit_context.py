from holdfast.kit.context import correlation_id, correlation_scope, current_correlation_id


def test_correlation_scope_sets_and_restores_the_id():
    outer = correlation_id.set("outer-id")
    try:
        with correlation_scope() as inner:
            assert current_correlation_id() == inner != "outer-id"
        with correlation_scope("job-7"):
            assert current_correlation_id() == "job-7"
        assert current_correlation_id() == "outer-id"
    finally:
        correlation_id.reset(outer)


def test_two_scopes_get_different_ids():
    with correlation_scope() as first:
        pass
    with correlation_scope() as second:
        pass
    assert first != second
