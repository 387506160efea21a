//! The database goes away or hangs while phones keep pushing: nothing acknowledged is lost,
//! nothing is applied twice, devices are told to wait instead of piling up re-pushes, and
//! pushes land again within two seconds of the database being back (or of the stuck
//! connection being given up).

use std::sync::Arc;
use std::time::Duration;

use server::testing::PgCluster;
use tests::TestServer;
use tests::outage::{SilencingProxy, through_a_hang, through_an_outage};

/// The story's promise: the first ack within this long of the database being back.
const BACK_WITHIN: Duration = Duration::from_secs(2);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_outage_loses_nothing_and_pushes_land_soon_after_it_ends() {
    // Durable: an immediate stop is a crash, and the test cluster's speed settings
    // (`synchronous_commit=off`) would lose commits that were already acknowledged.
    let cluster = Arc::new(PgCluster::start_durable().expect("a throw-away Postgres cluster"));
    let server = TestServer::postgres(&cluster.url()).await.unwrap();
    let (down, up) = (Arc::clone(&cluster), Arc::clone(&cluster));
    let report = through_an_outage(
        &server,
        Duration::from_secs(4),
        move || Ok(down.stop()?),
        move || Ok(up.start_again()?),
    )
    .await
    .unwrap();
    println!("{report:?}");
    assert!(report.unavailable > 0, "the phones were told to wait");
    assert!(
        report.first_ack_after_up <= BACK_WITHIN,
        "the first ack came {:?} after Postgres was back",
        report.first_ack_after_up
    );
    let (status, took) = report.ready_while_down;
    assert_eq!(status, 503, "/readyz while Postgres was down");
    assert!(took <= BACK_WITHIN, "/readyz took {took:?} to say so");
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_locked_by_another_process_loses_nothing_and_pushes_land_soon_after() {
    let server = TestServer::sqlite().await.unwrap();
    let file = server.sqlite_file().expect("a SQLite server");
    // Another process (a backup, an admin's shell) holds the write lock for a while.
    let (take, taking) = std::sync::mpsc::channel::<()>();
    let (release, held) = std::sync::mpsc::channel::<()>();
    let (locked, lock_taken) = std::sync::mpsc::channel::<()>();
    let holder = std::thread::spawn(move || {
        let connection = rusqlite::Connection::open(&file).expect("the database file");
        if taking.recv().is_err() {
            return;
        }
        connection
            .execute_batch("BEGIN IMMEDIATE")
            .expect("the write lock");
        locked.send(()).expect("the story waits");
        let _ = held.recv();
        connection.execute_batch("ROLLBACK").expect("released");
    });
    let report = through_an_outage(
        &server,
        Duration::from_secs(4),
        move || {
            take.send(())?;
            Ok(lock_taken.recv()?)
        },
        move || Ok(release.send(())?),
    )
    .await;
    holder.join().unwrap();
    let report = report.unwrap();
    println!("{report:?}");
    assert!(report.unavailable > 0, "the phones were told to wait");
    assert!(
        report.first_ack_after_up <= BACK_WITHIN,
        "the first ack came {:?} after the lock was released",
        report.first_ack_after_up
    );
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_database_connection_is_given_up_and_every_company_carries_on() {
    let cluster = PgCluster::start().expect("a throw-away Postgres cluster");
    let target = format!("127.0.0.1:{}", cluster.port()).parse().unwrap();
    let proxy = SilencingProxy::start(target).await.unwrap();
    let url = format!("postgres://postgres@{}/rolo", proxy.address);
    let config = server::Config::default();
    let server = TestServer::postgres(&url).await.unwrap();
    let report = through_a_hang(&server, &proxy).await.unwrap();
    println!("{report:?}");
    // A stuck commit is given up after the commit bound; pushes land again soon after.
    let bound = config.commit_timeout + BACK_WITHIN;
    for (company, pause) in report.longest_pause.iter().enumerate() {
        assert!(
            *pause <= bound,
            "company {company} went {pause:?} without an ack (bound {bound:?})"
        );
    }
    server.stop().await.unwrap();
}
