//! One test over a real socket: enrol, push and pull through the server's accept loop, as a tablet does.

#[macro_use]
mod common;

use common::{TestApp, call, issue};
use loket_server::app;
use serde_json::{Value, json};

async fn a_device_enrols_pushes_and_pulls_over_http() {
    let app_under_test = TestApp::start().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(loket_server::listen::serve(
        listener,
        app(app_under_test.state.clone()),
        loket_server::listen::Limits::default(),
        async {
            let _ = stopped.await;
        },
    ));
    let client = reqwest::Client::new();

    let health: Value = client
        .get(format!("{base}/api/health"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok");

    let response = client
        .post(format!("{base}/api/devices"))
        .json(&json!({"code": app_under_test.code, "name": "Loket 1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let enrolled: Value = response.json().await.unwrap();
    let device = common::Device {
        id: enrolled["device"].as_str().unwrap().to_owned(),
        letter: enrolled["letter"].as_str().unwrap().to_owned(),
        token: enrolled["token"].as_str().unwrap().to_owned(),
        office: enrolled["office"]["code"].as_str().unwrap().to_owned(),
    };

    let push = [issue(&device, 1), call(&device, "A", 1, 2)];
    let response = client
        .post(format!("{base}/api/sync"))
        .bearer_auth(&device.token)
        .json(&json!({"cursor": 0, "push": push}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let synced: Value = response.json().await.unwrap();
    assert_eq!(synced["pushed"].as_array().unwrap().len(), 2);
    assert_eq!(synced["cursor"], 2);

    // A second tablet (with a code of its own: each enrols one device) pulls both ops.
    let second_code = app_under_test.admin_code().await;
    let other: Value = client
        .post(format!("{base}/api/devices"))
        .json(&json!({"code": second_code, "name": "Loket 2"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let pulled: Value = client
        .post(format!("{base}/api/sync"))
        .bearer_auth(other["token"].as_str().unwrap())
        .json(&json!({"cursor": 0}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(pulled["ops"].as_array().unwrap().len(), 2);
    assert!(
        pulled["ops"][1]["op"]["body"]["call_ticket"].is_object(),
        "{pulled}"
    );
    assert_eq!(pulled["more"], false);

    let _ = stop.send(());
    server.await.unwrap().unwrap();
    app_under_test.state.store().close().await;
}

both!(a_device_enrols_pushes_and_pulls_over_http,);
