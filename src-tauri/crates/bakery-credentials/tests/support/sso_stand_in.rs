//! A local stand-in for what moto lacks: the AWS SSO OIDC and SSO portal endpoints (the
//! device-authorization flow: RegisterClient, StartDeviceAuthorization, CreateToken with
//! `authorization_pending` until the user approves; GetRoleCredentials), and STS checking
//! MFA codes (its AssumeRole rejects every code, as STS does a wrong one). The portal hands
//! out the sandbox's `testing` keys, so STS in the sandbox accepts what SSO returns.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

pub const USER_CODE: &str = "BAKE-RY42";
pub const ACCESS_TOKEN: &str = "stand-in-access-token";
pub const REFRESHED_TOKEN: &str = "stand-in-refreshed-token";

#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

#[derive(Debug, Default)]
struct State {
    approved: bool,
    refuse_refresh: bool,
    requests: Vec<Request>,
}

#[derive(Clone)]
pub struct SsoStandIn {
    pub endpoint: String,
    state: Arc<Mutex<State>>,
}

impl SsoStandIn {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let state = shared.clone();
                std::thread::spawn(move || serve(stream, &state));
            }
        });
        Self { endpoint, state }
    }

    /// What the person does in the browser: approve the sign-in shown with `user_code`.
    pub fn approve(&self, user_code: &str) {
        assert_eq!(user_code, USER_CODE);
        self.state.lock().unwrap().approved = true;
    }

    /// From now on the refresh token is refused (the sign-in must be done again).
    pub fn refuse_refresh(&self) {
        self.state.lock().unwrap().refuse_refresh = true;
    }

    pub fn requests(&self) -> Vec<Request> {
        self.state.lock().unwrap().requests.clone()
    }
}

fn serve(stream: TcpStream, state: &Mutex<State>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let path = parts.next().unwrap_or_default().to_string();
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).unwrap();
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((k, v)) = header.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let length: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    let request = Request {
        method,
        path,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    let (status, error_type, response) = respond(&request, state);
    state.lock().unwrap().requests.push(request);
    let mut stream = stream;
    let content_type = if response.starts_with('<') {
        "text/xml"
    } else {
        "application/json"
    };
    let mut head = format!(
        "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n",
        response.len()
    );
    if let Some(error_type) = error_type {
        head.push_str(&format!("x-amzn-errortype: {error_type}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(response.as_bytes());
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn respond(
    request: &Request,
    state: &Mutex<State>,
) -> (&'static str, Option<&'static str>, String) {
    let path = request.path.split('?').next().unwrap_or_default();
    match (request.method.as_str(), path) {
        ("POST", "/client/register") => (
            "200 OK",
            None,
            format!(
                r#"{{"clientId":"stand-in-client","clientSecret":"stand-in-client-secret","clientIdIssuedAt":{},"clientSecretExpiresAt":{}}}"#,
                now_secs(),
                now_secs() + 90 * 86400
            ),
        ),
        ("POST", "/device_authorization") => (
            "200 OK",
            None,
            format!(
                r#"{{"deviceCode":"stand-in-device-code","userCode":"{USER_CODE}","verificationUri":"https://device.sso.stand-in/","verificationUriComplete":"https://device.sso.stand-in/?user_code={USER_CODE}","expiresIn":600,"interval":1}}"#
            ),
        ),
        ("POST", "/token") if request.body.contains("\"refresh_token\"") => {
            if state.lock().unwrap().refuse_refresh {
                (
                    "400 Bad Request",
                    Some("InvalidGrantException"),
                    r#"{"error":"invalid_grant","error_description":"refresh token expired"}"#
                        .to_string(),
                )
            } else {
                (
                    "200 OK",
                    None,
                    format!(
                        r#"{{"accessToken":"{REFRESHED_TOKEN}","tokenType":"Bearer","expiresIn":3600}}"#
                    ),
                )
            }
        }
        ("POST", "/token") => {
            if state.lock().unwrap().approved {
                (
                    "200 OK",
                    None,
                    format!(
                        r#"{{"accessToken":"{ACCESS_TOKEN}","tokenType":"Bearer","expiresIn":3600,"refreshToken":"stand-in-refresh"}}"#
                    ),
                )
            } else {
                (
                    "400 Bad Request",
                    Some("AuthorizationPendingException"),
                    r#"{"error":"authorization_pending","error_description":"not approved yet"}"#
                        .to_string(),
                )
            }
        }
        ("GET", "/federation/credentials") => {
            let token = request
                .headers
                .iter()
                .find(|(k, _)| k == "x-amz-sso_bearer_token")
                .map(|(_, v)| v.as_str());
            if token == Some(ACCESS_TOKEN) || token == Some(REFRESHED_TOKEN) {
                (
                    "200 OK",
                    None,
                    format!(
                        r#"{{"roleCredentials":{{"accessKeyId":"testing","secretAccessKey":"testing","sessionToken":"stand-in-session","expiration":{}}}}}"#,
                        (now_secs() + 3600) * 1000
                    ),
                )
            } else {
                (
                    "401 Unauthorized",
                    Some("UnauthorizedException"),
                    r#"{"message":"Session token not found or invalid"}"#.to_string(),
                )
            }
        }
        ("POST", "/") if request.body.contains("Action=AssumeRole") => (
            "403 Forbidden",
            None,
            "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type>\
             <Code>AccessDenied</Code><Message>MultiFactorAuthentication failed with invalid MFA one time \
             pass code. </Message></Error><RequestId>stand-in</RequestId></ErrorResponse>"
                .to_string(),
        ),
        _ => (
            "404 Not Found",
            Some("ResourceNotFoundException"),
            r#"{"message":"not served by the stand-in"}"#.to_string(),
        ),
    }
}
