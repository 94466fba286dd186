"""GB 32100-2015 credit codes and GB 11714 organization codes."""
import pytest

from app.domain.codes import credit_code_error, make_credit_code, org_code_error, org_code_of

VALID = [
    "914403001922038216",
    "9144030071526726XG",  # organization check character X
    "91330100799655058B",
    "91152201078382010M",  # organization check character 0
    "911522010783762860",  # credit check character 0
    "91340600MA2PBM9HXD",  # letters in the body
]
INVALID = {
    "914403001922038217": "校验位错误",
    "9144030019220382I6": "不允许的字符",
    "91440300192203821": "18位",
    "91AB03001922038216": "行政区划码",
    "914403001922038206": "组织机构代码",
}


@pytest.mark.parametrize("code", VALID)
def test_valid_credit_codes(code):
    assert credit_code_error(code) is None
    assert org_code_error(org_code_of(code)) is None


@pytest.mark.parametrize("code, reason", INVALID.items())
def test_invalid_credit_codes_say_why(code, reason):
    assert reason in credit_code_error(code)


@pytest.mark.parametrize("code", ["19220382-1", "192203821", "71526726-X", "07838201-0"])
def test_organization_codes_with_and_without_hyphen(code):
    assert org_code_error(code) is None


def test_organization_code_check_failure():
    assert org_code_error("19220382-2") == "组织机构代码校验位错误"


def test_made_codes_are_valid():
    code = make_credit_code("91", "130102", "MA0G1R2K")
    assert credit_code_error(code) is None and code[2:8] == "130102"
