use crate::util::Sandbox;

#[test]
fn a_taken_port_is_reported_with_the_address_and_listen() {
    let sb = Sandbox::new();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let run = sb.run(&["serve", "--listen", &addr]).expect_code(1);
    assert!(
        run.stderr.contains(&addr) && run.stderr.contains("--listen"),
        "{}",
        run.stderr
    );
    drop(taken);
}

#[test]
fn serve_refuses_a_bad_configuration_with_status_2() {
    let sb = Sandbox::new();
    let run = sb
        .command()
        .args(["serve"])
        .env("LATCHKEY_LISTN", "127.0.0.1:1")
        .output()
        .unwrap();
    let run = crate::util::finish(run).expect_code(2);
    assert!(run.stderr.contains("LATCHKEY_LISTEN"), "{}", run.stderr);
}
