from openpcn.exceptions import ConfigError, InputError, NotFoundError, UserError


def test_a_user_error_says_where_what_and_how_to_fix_it():
    error = InputError("not a number", file="lists.csv", row=7, column="patients", fix="use digits")
    assert error.message == "lists.csv, row 7, column 'patients': not a number\n  fix: use digits"


def test_user_errors_map_to_distinct_exit_codes_and_http_statuses():
    assert (InputError("x").exit_code, InputError("x").http_status) == (65, 422)
    assert (NotFoundError("x").exit_code, NotFoundError("x").http_status) == (66, 404)
    assert ConfigError("x").exit_code == 78
    assert isinstance(InputError("x"), UserError)


def test_problem_details_carry_the_location_for_api_clients():
    details = InputError("bad", file="f.csv", row=2, column="c", fix="mend").as_dict()
    assert details["status"] == 422
    assert (details["file"], details["row"], details["column"]) == ("f.csv", 2, "c")
