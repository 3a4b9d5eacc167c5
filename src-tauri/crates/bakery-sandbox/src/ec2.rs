//! Raw EC2 Query API calls to the emulator, for the fixture and the sandbox's own checks.
//! The engine talks to EC2 through aws-sdk-ec2; this is only the sandbox's admin path.

use std::time::Duration;

/// Why a call to the emulator failed.
#[derive(Debug, thiserror::Error)]
pub enum Ec2Error {
    /// The emulator could not be reached (not started, or gone).
    #[error("EC2 {action} at {endpoint} failed to connect: {message}")]
    Transport {
        /// The EC2 action, e.g. `DescribeImages`.
        action: String,
        /// The emulator's URL.
        endpoint: String,
        /// What the HTTP client said.
        message: String,
    },
    /// The emulator answered with an EC2 error.
    #[error("EC2 {action} returned {code}: {message}")]
    Api {
        /// The EC2 action.
        action: String,
        /// EC2's error code, e.g. `InvalidAMIID.NotFound`.
        code: String,
        /// EC2's message.
        message: String,
    },
    /// The emulator's answer could not be read as XML.
    #[error("EC2 {action} returned a response that is not XML: {message}")]
    Malformed {
        /// The EC2 action.
        action: String,
        /// What the parser said.
        message: String,
    },
}

/// A parsed EC2 response: its XML text, with helpers to pick values out of it.
#[derive(Debug, Clone)]
pub struct QueryResponse {
    /// The response body, as the emulator sent it.
    pub xml: String,
}

impl QueryResponse {
    /// The text of every element named `tag`, in document order.
    pub fn texts(&self, tag: &str) -> Vec<String> {
        let Ok(doc) = roxmltree::Document::parse(&self.xml) else {
            return Vec::new();
        };
        doc.descendants()
            .filter(|n| n.is_element() && n.tag_name().name() == tag)
            .filter_map(|n| n.text().map(str::to_string))
            .collect()
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(30)))
        .http_status_as_error(false)
        .build()
        .into()
}

/// A SigV4-looking header: without one moto routes the request to S3.
fn authorization(region: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential=testing/20260101/{region}/ec2/aws4_request, SignedHeaders=host, Signature=0"
    )
}

/// Sends one EC2 Query API call (`action` with form `params`) to the emulator at `endpoint`,
/// signed with the sandbox's dummy key for `region`.
pub fn call(
    endpoint: &str,
    region: &str,
    action: &str,
    params: &[(&str, &str)],
) -> Result<QueryResponse, Ec2Error> {
    let mut form: Vec<(&str, &str)> = vec![("Action", action), ("Version", "2016-11-15")];
    form.extend_from_slice(params);
    let transport = |message: String| Ec2Error::Transport {
        action: action.to_string(),
        endpoint: endpoint.to_string(),
        message,
    };
    let mut response = agent()
        .post(endpoint)
        .header("Authorization", &authorization(region))
        .send_form(form)
        .map_err(|e| transport(e.to_string()))?;
    let status = response.status();
    let xml = response
        .body_mut()
        .read_to_string()
        .map_err(|e| transport(e.to_string()))?;
    let parsed = QueryResponse { xml };
    if !status.is_success() {
        let code = parsed.texts("Code").into_iter().next();
        let message = parsed.texts("Message").into_iter().next();
        return Err(match code {
            Some(code) => Ec2Error::Api {
                action: action.to_string(),
                code,
                message: message.unwrap_or_default(),
            },
            None => Ec2Error::Malformed {
                action: action.to_string(),
                message: format!("HTTP {status}"),
            },
        });
    }
    if roxmltree::Document::parse(&parsed.xml).is_err() {
        return Err(Ec2Error::Malformed {
            action: action.to_string(),
            message: parsed.xml.chars().take(200).collect(),
        });
    }
    Ok(parsed)
}

/// moto's admin reset: drops every resource; moto reloads the AMI catalogue by itself.
pub fn reset(endpoint: &str) -> Result<(), Ec2Error> {
    let url = format!("{endpoint}/moto-api/reset");
    let response = agent()
        .post(&url)
        .send_empty()
        .map_err(|e| Ec2Error::Transport {
            action: "reset".into(),
            endpoint: endpoint.to_string(),
            message: e.to_string(),
        })?;
    if !response.status().is_success() {
        return Err(Ec2Error::Api {
            action: "reset".into(),
            code: response.status().to_string(),
            message: "moto refused the reset".into(),
        });
    }
    Ok(())
}
