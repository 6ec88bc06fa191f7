import pytest

from registry.errors import InvalidName
from registry.names import parse_domain_name, parse_host_name


@pytest.mark.parametrize(
    ("raw", "ascii_name", "unicode_name"),
    [
        ("example.com", "example.com", "example.com"),
        ("  EXAMPLE.Com.  ", "example.com", "example.com"),
        ("bücher.com", "xn--bcher-kva.com", "bücher.com"),
        ("Bücher.COM", "xn--bcher-kva.com", "bücher.com"),
        ("xn--bcher-kva.com", "xn--bcher-kva.com", "bücher.com"),
        ("한국.kr", "xn--3e0b707e.kr", "한국.kr"),
        ("bücher。com", "xn--bcher-kva.com", "bücher.com"),  # ideographic full stop, as UTS 46 maps it
        ("a-b.com", "a-b.com", "a-b.com"),
        ("123.com", "123.com", "123.com"),
    ],
)
def test_names_are_canonicalised_to_ascii_and_unicode(raw, ascii_name, unicode_name):
    parsed = parse_domain_name(raw)
    assert (parsed.ascii, parsed.unicode) == (ascii_name, unicode_name)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "the name is empty"),
        ("com", "has no TLD"),
        ("www.example.com", "has 3 labels"),
        ("a..com", "empty label"),
        (".example.com", "empty label"),
        ("a_b.com", "contains '_'"),
        ("a b.com", "contains ' '"),
        ("-ab.com", "starts or ends with a hyphen"),
        ("ab-.com", "starts or ends with a hyphen"),
        ("ab--cd.com", "reserved for IDN labels"),
        ("xn--bcher-xxx.com", "not a valid IDN label"),
        ("😀.com", "not a valid IDNA 2008 label"),
        ("a" * 64 + ".com", "64 octets long; the limit is 63"),
        ("example.123", "all digits"),
    ],
)
def test_invalid_names_say_what_is_wrong(raw, reason):
    with pytest.raises(InvalidName) as excinfo:
        parse_domain_name(raw)
    assert reason in excinfo.value.message


def test_name_length_limit_counts_octets_of_the_ascii_form():
    label = "a" * 63
    name = ".".join([label, label, label, "b" * 61])  # 253 octets
    assert len(parse_host_name(name).ascii) == 253
    with pytest.raises(InvalidName, match="254 octets long; the limit is 253"):
        parse_host_name(name + "b")


def test_idn_label_length_is_measured_after_punycode():
    # 25 different Hangul syllables are 25 characters but far more than 63 octets of punycode.
    label = "".join(chr(0xAC00 + i * 97) for i in range(25))
    with pytest.raises(InvalidName, match="octets long as punycode; the limit is 63"):
        parse_domain_name(label + ".kr")


def test_host_names_take_any_depth():
    assert parse_host_name("ns1.dns.example.com.").ascii == "ns1.dns.example.com"
