"""The AWS dispatch's registry of facades."""

import pytest

from config.aws import dispatch


def test_a_facade_naming_an_operation_the_model_lacks_is_refused_before_it_answers():
    service = dispatch.Service("route53", "/nowhere/", {"CreateHostedZone": dict, "FlyToTheMoon": dict})
    with pytest.raises(ValueError, match=r"route53 has no operations \['FlyToTheMoon'\]"):
        _ = service.routes
