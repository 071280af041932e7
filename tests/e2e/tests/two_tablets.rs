//! Two tablets issue tickets while the server is down, then converge: the same waiting
//! list in the same order on both, no number issued twice, and a call made on one tablet
//! reaches the other.

use loket_e2e::{Chromedriver, Server, action, check, find};

#[tokio::test(flavor = "multi_thread")]
async fn two_tablets_offline_converge_without_duplicate_numbers() {
    let mut server = Server::start().await;
    let chromedriver = Chromedriver::start().await;
    let (one, two) = action::two_tablets(&chromedriver, &server).await;
    check::service_worker_controls(&one).await;
    check::service_worker_controls(&two).await;

    server.stop().await;
    let mut from_one = Vec::new();
    for _ in 0..3 {
        from_one.push(action::issue_ticket(&one).await);
    }
    let mut from_two = Vec::new();
    for _ in 0..2 {
        from_two.push(action::issue_ticket(&two).await);
    }
    // The first enrolled tablet got letter A, the second B: offline numbers cannot collide.
    assert_eq!(from_one, ["A-001", "A-002", "A-003"]);
    assert_eq!(from_two, ["B-001", "B-002"]);
    check::pending(&one, 3).await;
    check::pending(&two, 2).await;

    server.start_again().await;
    action::sync_until_settled(&one).await;
    action::sync_until_settled(&two).await;
    // Oldest first: tablet 1 issued all three of its tickets before tablet 2 began.
    let all = ["A-001", "A-002", "A-003", "B-001", "B-002"];
    action::sync_until_waiting(&one, &all).await;
    action::sync_until_waiting(&two, &all).await;

    let seen_one = find::waiting(&one).await.expect("read tablet 1's list");
    let seen_two = find::waiting(&two).await.expect("read tablet 2's list");
    assert_eq!(
        seen_one, seen_two,
        "both tablets list the same tickets in order"
    );
    let mut distinct = seen_one.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 5, "no number listed twice: {seen_one:?}");

    // A call on tablet 1 takes the ticket off tablet 2's waiting list.
    assert_eq!(action::call_next(&one).await, "A-001");
    let rest = ["A-002", "A-003", "B-001", "B-002"];
    check::waiting(&one, &rest).await;
    action::sync_until_settled(&one).await;
    action::sync_until_waiting(&two, &rest).await;

    two.quit().await;
    one.quit().await;
}
