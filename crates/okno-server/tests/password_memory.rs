//! Hashing passwords leaves no memory behind: argon2's 19 MiB of working memory is returned to
//! the OS after every hash, also when several threads hash at once (as the embedded server does
//! while it seeds the demo accounts and signs the user in). Its own test binary: the figure is
//! the whole process's resident memory.

#[cfg(target_os = "linux")]
#[test]
fn hashing_on_several_threads_at_once_keeps_no_memory() {
    fn resident_bytes() -> u64 {
        let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
        let pages: u64 = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
        pages * 4096
    }
    // The first hash also loads what hashing needs once.
    let hash = okno_server::auth::hash_password("warm up").unwrap();
    let before = resident_bytes();
    for round in 0..2 {
        let threads: Vec<_> = (0..4)
            .map(|i| {
                let hash = hash.clone();
                std::thread::spawn(move || {
                    let own =
                        okno_server::auth::hash_password(&format!("password {round} {i}")).unwrap();
                    assert!(okno_server::auth::verify_password(
                        &format!("password {round} {i}"),
                        &own
                    ));
                    assert!(okno_server::auth::verify_password("warm up", &hash));
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
    }
    let grown = resident_bytes().saturating_sub(before);
    // Each hash works in 19 MiB; kept by the threads' malloc arenas they were 60-150 MB.
    assert!(
        grown < 16 * 1024 * 1024,
        "resident memory grew by {} MiB",
        grown / 1024 / 1024
    );
}
