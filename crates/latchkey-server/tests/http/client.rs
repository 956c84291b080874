//! A tiny browser: keeps cookies by name (Secure ones too: the test server is on loopback,
//! which browsers treat as secure), follows nothing automatically.

use reqwest::header::{COOKIE, SET_COOKIE};
use std::collections::BTreeMap;

pub struct Browser {
    pub base: String,
    pub http: reqwest::Client,
    pub cookies: BTreeMap<String, String>,
}

pub struct Page {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Page {
    /// The value of a hidden input.
    pub fn hidden(&self, name: &str) -> Option<String> {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self.body.find(&marker)? + marker.len();
        let end = self.body[start..].find('"')?;
        Some(self.body[start..start + end].to_owned())
    }
}

impl Browser {
    pub fn new(base: &str) -> Self {
        Self {
            base: base.to_owned(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: BTreeMap::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn finish(&mut self, response: reqwest::Response) -> Page {
        for set in response.headers().get_all(SET_COOKIE) {
            let text = set.to_str().unwrap();
            let (pair, _) = text.split_once(';').unwrap_or((text, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() || text.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        Page {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            body: response.text().await.unwrap(),
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .header(COOKIE, self.cookie_header())
            .send()
            .await
            .unwrap();
        self.finish(r).await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .header(COOKIE, self.cookie_header())
            .form(form)
            .send()
            .await
            .unwrap();
        self.finish(r).await
    }

    pub fn csrf(&self) -> String {
        self.cookies
            .get("__Host-latchkey_csrf")
            .cloned()
            .expect("csrf cookie")
    }

    /// Posts one step of the login flow, with the CSRF token and the version of `page`.
    pub async fn step(&mut self, page: &Page, fields: &[(&str, &str)]) -> Page {
        let csrf = self.csrf();
        let version = page.hidden("version").expect("a prompt page");
        let mut form = vec![("csrf", csrf.as_str()), ("version", version.as_str())];
        form.extend_from_slice(fields);
        self.post("/login", &form).await
    }

    /// The two-phase sign-in: user ID, then password. Returns (password page, final answer).
    pub async fn sign_in_pages(&mut self, user: &str, password: &str) -> (Page, Page) {
        let first = self.get("/login").await;
        assert_eq!(first.status, 200, "{}", first.body);
        let second = self.step(&first, &[("user", user)]).await;
        let last = self.step(&second, &[("password", password)]).await;
        (second, last)
    }

    /// Signs in and returns the final answer.
    pub async fn sign_in(&mut self, user: &str, password: &str) -> Page {
        self.sign_in_pages(user, password).await.1
    }
}
