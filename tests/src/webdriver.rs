//! A small W3C WebDriver client for driving the real app through `tauri-driver`
//! (which runs WebKitWebDriver, which runs the app). Only what the GUI tests use.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde_json::{Value, json};

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(60)))
        .http_status_as_error(false)
        .build()
        .into()
}

/// `tauri-driver`, started on free ports and stopped with SIGTERM (which also stops
/// WebKitWebDriver; SIGKILL would orphan it).
pub struct TauriDriver {
    child: Child,
    url: String,
}

impl TauriDriver {
    /// Starts `tauri-driver` with `env` added to the environment the app will inherit.
    pub fn start(env: &[(&str, String)]) -> Self {
        let port = free_port();
        let native = free_port();
        let driver = which("tauri-driver").expect(
            "tauri-driver is not installed: `cargo install tauri-driver --locked` (scripts/setup does it)",
        );
        let mut command = Command::new(driver);
        command
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native.to_string(),
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        for (key, value) in env {
            command.env(key, value);
        }
        let child = command.spawn().expect("tauri-driver starts");
        let driver = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(response) = agent().get(&format!("{}/status", driver.url)).call()
                && response.status().is_success()
            {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "tauri-driver did not answer /status in 30 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        driver
    }

    /// Opens the app at `application` in a new session.
    pub fn session(&self, application: &Path) -> Session {
        let body = json!({
            "capabilities": {
                "alwaysMatch": {
                    "browserName": "wry",
                    "tauri:options": { "application": application }
                }
            }
        });
        let value = request(&self.url, "POST", "/session", Some(body))
            .unwrap_or_else(|err| panic!("the app did not open: {err}"));
        let id = value["sessionId"]
            .as_str()
            .expect("a session id")
            .to_string();
        Session {
            base: format!("{}/session/{id}", self.url),
        }
    }
}

impl Drop for TauriDriver {
    fn drop(&mut self) {
        let _ = kill(Pid::from_raw(self.child.id() as i32), Signal::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn which(name: &str) -> Option<PathBuf> {
    let home_bin = std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo/bin"));
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .chain(home_bin)
        .map(|dir| dir.join(name))
        .find(|path| path.is_file())
}

fn request(base: &str, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
    let url = format!("{base}{path}");
    let agent = agent();
    let result = match (method, body) {
        ("GET", _) => agent.get(&url).call(),
        ("DELETE", _) => agent.delete(&url).call(),
        (_, Some(body)) => agent.post(&url).send_json(body),
        (_, None) => agent.post(&url).send_json(json!({})),
    };
    let mut response = result.map_err(|e| format!("{method} {url}: {e}"))?;
    let status = response.status();
    let value: Value = response
        .body_mut()
        .read_json()
        .map_err(|e| format!("{method} {url}: HTTP {status}, not JSON: {e}"))?;
    if !status.is_success() {
        return Err(format!("{method} {url}: HTTP {status}: {}", value["value"]));
    }
    Ok(value.get("value").cloned().unwrap_or(Value::Null))
}

/// One WebDriver session: the app's window.
pub struct Session {
    base: String,
}

/// An element found in the window.
pub struct Element<'a> {
    session: &'a Session,
    id: String,
}

impl Session {
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        request(&self.base, method, path, body)
    }

    /// Finds the element matching a CSS selector, waiting up to `timeout` for it.
    pub fn find(&self, css: &str, timeout: Duration) -> Element<'_> {
        let deadline = Instant::now() + timeout;
        loop {
            let found = self.call(
                "POST",
                "/element",
                Some(json!({"using": "css selector", "value": css})),
            );
            match found {
                Ok(value) => {
                    let id = value[ELEMENT_KEY]
                        .as_str()
                        .expect("an element reference")
                        .to_string();
                    return Element { session: self, id };
                }
                Err(err) if Instant::now() > deadline => {
                    panic!("no element matches `{css}` after {timeout:?}: {err}")
                }
                Err(_) => std::thread::sleep(Duration::from_millis(100)),
            }
        }
    }

    /// Clicks the element matching `css` once it can be clicked: found, drawn and not
    /// covered (a list being redrawn, a dialog closing), waiting up to `timeout`.
    ///
    /// Under a loaded machine WebKitWebDriver can keep answering "element not interactable"
    /// for a button that is drawn and uncovered (CI saw it for 30 s in a row). After a few
    /// seconds of that, the click is made the way the page itself would (the element
    /// scrolled to the middle and `click()`ed in the DOM: the same handler runs), and what
    /// stood at its centre is printed and photographed (`click-blocked.png`).
    pub fn click_when_ready(&self, css: &str, timeout: Duration) {
        let started = Instant::now();
        let deadline = started + timeout;
        loop {
            let element = self.find(css, timeout);
            match self.call(
                "POST",
                &format!("/element/{}/click", element.id),
                Some(json!({})),
            ) {
                Ok(_) => return,
                Err(err) if Instant::now() > deadline => {
                    panic!("`{css}` could not be clicked after {timeout:?}: {err}")
                }
                Err(err) if started.elapsed() > Duration::from_secs(5) => {
                    let reference = json!({ELEMENT_KEY: element.id});
                    let covered = self.script_async(
                        "const el = arguments[0]; el.scrollIntoView({block: 'center'}); \
                         await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))); \
                         const r = el.getBoundingClientRect(); \
                         const top = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2); \
                         const what = top === el || el.contains(top) ? 'itself' : (top ? top.outerHTML.slice(0, 200) : 'nothing'); \
                         el.click(); return `${Math.round(r.x)},${Math.round(r.y)} ${Math.round(r.width)}x${Math.round(r.height)}: ${what}`;",
                        json!([reference]),
                    );
                    self.save_screenshot("click-blocked");
                    eprintln!(
                        "click_when_ready: WebKitWebDriver kept refusing `{css}` ({err}); clicked it in the DOM (at {covered})"
                    );
                    return;
                }
                // WebKitWebDriver hit-tests the last frame drawn: a click right after the
                // element was scrolled to or moved can miss it until two frames have been.
                Err(_) => {
                    self.script_async(
                        "await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))); return true;",
                        json!([]),
                    );
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
        }
    }

    /// Waits until the element's text satisfies `check`, returning the text.
    pub fn wait_text(&self, css: &str, timeout: Duration, check: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let text = self.find(css, timeout).text();
            if check(&text) {
                return text;
            }
            assert!(
                Instant::now() < deadline,
                "`{css}` still reads {text:?} after {timeout:?}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Whether an element matches `css` right now (no waiting).
    pub fn exists(&self, css: &str) -> bool {
        self.call(
            "POST",
            "/elements",
            Some(json!({"using": "css selector", "value": css})),
        )
        .ok()
        .and_then(|v| v.as_array().map(|a| !a.is_empty()))
        .unwrap_or(false)
    }

    /// Waits until no element matches `css`.
    pub fn wait_gone(&self, css: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while self.exists(css) {
            assert!(
                Instant::now() < deadline,
                "`{css}` is still there after {timeout:?}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The page's DOM as the webview holds it now (form values are properties, not in it:
    /// see [`Session::script`]).
    pub fn page_source(&self) -> String {
        self.call("GET", "/source", None)
            .map(|v| v.as_str().unwrap_or_default().to_string())
            .expect("the page source")
    }

    /// Runs `script` (a function body) in the page and returns what it returns.
    pub fn script(&self, script: &str) -> Value {
        self.call(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        )
        .unwrap_or_else(|err| panic!("script failed: {err}"))
    }

    /// Runs `script` (an async function body; `args` are its `arguments`) in the page and
    /// returns what its promise resolves to.
    pub fn script_async(&self, script: &str, args: Value) -> Value {
        let body = format!(
            "const done = arguments[arguments.length - 1]; \
             (async () => {{ {script} }})(...arguments).then(done, (e) => done({{error: String(e)}}));"
        );
        self.call(
            "POST",
            "/execute/async",
            Some(json!({"script": body, "args": args})),
        )
        .unwrap_or_else(|err| panic!("script failed: {err}"))
    }

    /// The window's title.
    pub fn title(&self) -> String {
        self.call("GET", "/title", None)
            .map(|v| v.as_str().unwrap_or_default().to_string())
            .unwrap_or_default()
    }

    /// A PNG screenshot of the window, taken after two animation frames: a window just
    /// started (or just changed) otherwise may be captured as its previous frame.
    pub fn screenshot(&self) -> Vec<u8> {
        self.script_async(
            "await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))); return true;",
            json!([]),
        );
        let value = self.call("GET", "/screenshot", None).expect("a screenshot");
        base64::engine::general_purpose::STANDARD
            .decode(value.as_str().expect("base64 text"))
            .expect("valid base64")
    }

    /// Saves a PNG screenshot of the window as `target/screenshots/NAME.png`.
    pub fn save_screenshot(&self, name: &str) {
        let dir = crate::target_dir().join("screenshots");
        std::fs::create_dir_all(&dir).expect("the screenshots folder");
        std::fs::write(dir.join(format!("{name}.png")), self.screenshot()).expect("a screenshot");
    }

    /// Drags with the mouse as a person does (WebDriver pointer actions): presses on the
    /// middle of `from`, moves in steps to the point `fraction` of the way down `to`,
    /// releases. Both must be in view together (pointer actions don't scroll).
    pub fn drag(&self, from: &Element<'_>, to: &Element<'_>, fraction: f64) {
        let measured = self
            .call(
                "POST",
                "/execute/sync",
                Some(json!({
                    "script": "const [from, to] = arguments; \
                               to.scrollIntoView({block: 'nearest'}); \
                               from.scrollIntoView({block: 'nearest'}); \
                               const f = from.getBoundingClientRect(); \
                               const t = to.getBoundingClientRect(); \
                               return [f.left + f.width / 2, f.top, f.height, t.top, t.height];",
                    "args": [{ELEMENT_KEY: from.id}, {ELEMENT_KEY: to.id}],
                })),
            )
            .unwrap_or_else(|err| panic!("measuring failed: {err}"));
        let n = |i: usize| measured[i].as_f64().expect("a number");
        let (x, from_top, from_height, to_top, to_height) = (n(0), n(1), n(2), n(3), n(4));
        let x = x.round() as i64;
        let y0 = (from_top + from_height / 2.0).round() as i64;
        let y1 = (to_top + to_height * fraction).round() as i64;
        let at = |y: i64, ms: u64| json!({"type": "pointerMove", "origin": "viewport", "x": x, "y": y, "duration": ms});
        let actions = json!({"actions": [{
            "type": "pointer",
            "id": "mouse",
            "parameters": {"pointerType": "mouse"},
            "actions": [
                at(y0, 0),
                {"type": "pointerDown", "button": 0},
                at(y0 + (y1 - y0).signum() * 6, 50),
                at(y0 + (y1 - y0).signum() * 12, 50),
                at((y0 + y1) / 2, 100),
                at(y1, 100),
                {"type": "pause", "duration": 100},
                {"type": "pointerUp", "button": 0},
            ],
        }]});
        self.call("POST", "/actions", Some(actions))
            .unwrap_or_else(|err| panic!("drag failed: {err}"));
        let _ = self.call("DELETE", "/actions", None);
    }

    /// Closes the session (and the app).
    pub fn close(self) {
        let _ = self.call("DELETE", "", None);
    }
}

impl Element<'_> {
    pub fn click(&self) {
        self.session
            .call(
                "POST",
                &format!("/element/{}/click", self.id),
                Some(json!({})),
            )
            .unwrap_or_else(|err| panic!("click failed: {err}"));
    }

    /// Types `text` into the element (an input), as a person would.
    pub fn send_keys(&self, text: &str) {
        self.session
            .call(
                "POST",
                &format!("/element/{}/value", self.id),
                Some(json!({"text": text})),
            )
            .unwrap_or_else(|err| panic!("typing failed: {err}"));
    }

    pub fn text(&self) -> String {
        self.session
            .call("GET", &format!("/element/{}/text", self.id), None)
            .map(|v| v.as_str().unwrap_or_default().to_string())
            .unwrap_or_default()
    }

    pub fn attribute(&self, name: &str) -> Option<String> {
        self.session
            .call(
                "GET",
                &format!("/element/{}/attribute/{name}", self.id),
                None,
            )
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
    }
}

/// Answers the app's native GTK file dialog titled `title` as a person would with the
/// keyboard: waits for its window (xdotool), focuses it, types `path` into its location bar
/// (Ctrl+L; in a Save dialog, over the name it proposes) and presses Enter. Runs in the
/// background: call it before the click that opens the dialog; join the handle to see it
/// succeeded.
pub fn answer_file_dialog(title: &str, path: &Path, save: bool) -> std::thread::JoinHandle<()> {
    let title = title.to_string();
    let path = path.display().to_string();
    std::thread::spawn(move || {
        let found = Command::new("timeout")
            .args([
                "30",
                "xdotool",
                "search",
                "--sync",
                "--onlyvisible",
                "--name",
            ])
            .arg(format!("^{title}$"))
            .output()
            .expect("xdotool (apt: xdotool) runs");
        let window = String::from_utf8_lossy(&found.stdout)
            .lines()
            .next()
            .unwrap_or_else(|| panic!("no window titled {title:?} within 30 s"))
            .to_string();
        // The dialog takes keys only once it is drawn and focused.
        std::thread::sleep(Duration::from_millis(700));
        let xdotool = |args: &[&str]| {
            let status = Command::new("xdotool")
                .args(args)
                .status()
                .expect("xdotool");
            assert!(status.success(), "xdotool {args:?} failed");
        };
        xdotool(&["windowfocus", "--sync", &window]);
        xdotool(&[
            "key",
            "--clearmodifiers",
            if save { "ctrl+a" } else { "ctrl+l" },
        ]);
        std::thread::sleep(Duration::from_millis(300));
        xdotool(&["type", "--delay", "15", &path]);
        std::thread::sleep(Duration::from_millis(300));
        xdotool(&["key", "Return"]);
    })
}
