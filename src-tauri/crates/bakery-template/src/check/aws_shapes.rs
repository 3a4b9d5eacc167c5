//! The written shape of AWS values: resource ids, region names, address ranges and KMS keys,
//! as AWS accepts them. Plain functions of the text, which the checker's rules call and the
//! crate exports; they know nothing of templates or of the checker.

/// `prefix-` followed by 8 or 17 lower-case hexadecimal digits (`ami-0123abcd`).
pub fn valid_resource_id(id: &str, prefix: &str) -> bool {
    id.strip_prefix(prefix)
        .and_then(|rest| rest.strip_prefix('-'))
        .is_some_and(|hex| {
            (hex.len() == 8 || hex.len() == 17)
                && hex
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
}

/// A region name: `eu-west-1`, `us-gov-west-1`, `ap-southeast-3`, `cn-north-1`.
pub fn valid_region(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    let (area, rest) = match parts.as_slice() {
        [area, "gov" | "iso" | "isob", rest @ ..] => (area, rest),
        [area, rest @ ..] => (area, rest),
        [] => return false,
    };
    let [direction, number] = rest else {
        return false;
    };
    area.len() == 2
        && area.bytes().all(|b| b.is_ascii_lowercase())
        && !direction.is_empty()
        && direction.bytes().all(|b| b.is_ascii_lowercase())
        && !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit())
}

/// An IPv4 or IPv6 address range, `address/prefix`.
pub fn valid_cidr(text: &str) -> bool {
    let Some((address, prefix)) = text.split_once('/') else {
        return false;
    };
    let Ok(prefix) = prefix.parse::<u8>() else {
        return false;
    };
    match address.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(_)) => prefix <= 32,
        Ok(std::net::IpAddr::V6(_)) => prefix <= 128,
        Err(_) => false,
    }
}

/// A KMS key id, alias, or key/alias ARN, as Packer accepts them.
pub fn valid_kms_key(key: &str) -> bool {
    let key_id = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase() || b == b'-')
    };
    let alias = |s: &str| {
        s.strip_prefix("alias/").is_some_and(|name| {
            !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b":/_-".contains(&b))
        })
    };
    if key_id(key) || alias(key) {
        return true;
    }
    let parts: Vec<&str> = key.splitn(6, ':').collect();
    if let [arn, partition, kms, _region, account, resource] = parts.as_slice() {
        return *arn == "arn"
            && partition.starts_with("aws")
            && *kms == "kms"
            && account.len() == 12
            && account.bytes().all(|b| b.is_ascii_digit())
            && (resource.strip_prefix("key/").is_some_and(key_id) || alias(resource));
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_regions() {
        assert!(valid_resource_id("ami-01ccc867", "ami"));
        assert!(valid_resource_id("ami-0123456789abcdef0", "ami"));
        assert!(!valid_resource_id("ami-0123456789ABCDEF0", "ami"));
        assert!(!valid_resource_id("ami-123", "ami"));
        assert!(!valid_resource_id("subnet-4d13d12a", "vpc"));
        for ok in [
            "eu-west-1",
            "us-gov-west-1",
            "ap-southeast-3",
            "cn-north-1",
            "il-central-1",
        ] {
            assert!(valid_region(ok), "{ok}");
        }
        for bad in [
            "eu-west",
            "EU-WEST-1",
            "eu-west-1a",
            "europe-west-1",
            "",
            "eu--1",
        ] {
            assert!(!valid_region(bad), "{bad}");
        }
    }
}
