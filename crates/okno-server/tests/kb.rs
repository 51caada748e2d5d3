//! The knowledge base over the API: articles (CRUD, walls, validation, events), import (JSON
//! through the API, Markdown folders through the library the CLI uses), hints (access, limits,
//! incremental updates, other nodes) and the relevance fixture in `tests/fixtures/kb`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use okno_proto::*;
use serde_json::json;

both! {
    articles_are_managed_by_admins_and_announced => articles_crud;
    hints_follow_every_change_at_once => hints_follow_changes;
    hints_are_only_for_the_line_s_users_and_staff => hints_walls;
    the_fixture_finds_the_right_article_in_the_top_three => fixture_relevance;
    a_markdown_folder_imports_as_articles => markdown_import;
    the_demo_knowledge_base_is_seeded_once => demo_knowledge_base;
}

struct Kb {
    srv: TestServer,
    user: Api,
    admin: Api,
    specialist: Api,
    it: LineId,
    acc: LineId,
}

async fn setup(backend: Backend) -> Kb {
    let srv = TestServer::demo(backend).await;
    let user = srv.login("user").await;
    let admin = srv.login("admin").await;
    let specialist = srv.login("specialist").await;
    let (_, lines) = admin.company_lines().await;
    Kb {
        it: lines["IT Support"],
        acc: lines["Бухгалтерия"],
        srv,
        user,
        admin,
        specialist,
    }
}

fn article(q: &str, keywords: &[&str], a: &str) -> serde_json::Value {
    json!({"question": q, "keywords": keywords, "answer": a})
}

async fn events(api: &Api) -> Vec<EventBody> {
    let s: SyncResponse = api.get("/api/v1/sync?since=0").await.unwrap();
    s.events.into_iter().map(|e| e.body).collect()
}

async fn hint_ids(api: &Api, line: LineId, q: &str) -> Vec<ArticleId> {
    let h: HintList = api
        .get(&format!(
            "/api/v1/lines/{line}/hints?q={}&limit=3",
            urlencode(q)
        ))
        .await
        .unwrap();
    h.hints.into_iter().map(|h| h.article_id).collect()
}

async fn articles_crud(backend: Backend) {
    let k = setup(backend).await;
    let path = format!("/api/v1/lines/{}/articles", k.it);
    let created: Article = k
        .admin
        .post(
            &path,
            &article(
                "Как подключить принтер?",
                &["печать", "принтер"],
                "Откройте **Параметры** → Принтеры. См. [инструкцию](https://wiki.example/print).",
            ),
        )
        .await
        .unwrap();
    assert_eq!(created.keywords, vec!["печать", "принтер"]);
    assert_eq!((created.helpful, created.not_helpful), (0, 0));

    // Bad input: 400 and nothing stored.
    for bad in [
        article("", &[], "x"),
        article("q", &[], ""),
        article("line\nbreak", &[], "x"),
        article("q", &[], "[x](javascript:alert(1))"),
        article("q", &[""], "x"),
        json!({"question": "q", "answer": "x", "keywords": vec!["k"; 31]}),
        json!({"question": "q".repeat(501), "answer": "x"}),
        json!({"question": "q"}),
    ] {
        let e = k
            .admin
            .post::<_, Article>(&path, &bad)
            .await
            .expect_err("bad article accepted");
        assert_eq!((e.status, e.code()), (400, "invalid_input"), "{bad}");
    }
    // The same question again (case and spacing aside) conflicts.
    let dup = k
        .admin
        .post::<_, Article>(
            &path,
            &article("как  подключить ПРИНТЕР", &[], "другой ответ"),
        )
        .await
        .unwrap_err();
    assert_eq!(dup.status, 409);

    // Walls: a specialist may read but not write; a client may read one article of a line they
    // are connected to, but not list them; another company sees nothing.
    let list: Vec<Article> = k.specialist.get(&path).await.unwrap();
    assert_eq!(list, vec![created.clone()]);
    let e = k
        .specialist
        .post::<_, Article>(&path, &article("q", &[], "a"))
        .await
        .unwrap_err();
    assert_eq!(e.status, 403);
    assert_eq!(
        k.user.get::<Vec<Article>>(&path).await.unwrap_err().status,
        404
    );
    let one: Article = k
        .user
        .get(&format!("/api/v1/articles/{}", created.id))
        .await
        .unwrap();
    assert_eq!(one, created);
    let acme = k.srv.login("acme-admin").await;
    assert_eq!(
        acme.get::<Article>(&format!("/api/v1/articles/{}", created.id))
            .await
            .unwrap_err()
            .status,
        404
    );
    assert_eq!(
        acme.put::<_, Article>(
            &format!("/api/v1/articles/{}", created.id),
            &article("x", &[], "y")
        )
        .await
        .unwrap_err()
        .status,
        404
    );
    assert_eq!(
        acme.delete(&format!("/api/v1/articles/{}", created.id))
            .await
            .unwrap_err()
            .status,
        404
    );

    // Edit, then remove.
    let edited: Article = k
        .admin
        .put(
            &format!("/api/v1/articles/{}", created.id),
            &article("Как подключить сетевой принтер?", &[], "Через Параметры."),
        )
        .await
        .unwrap();
    assert_eq!(edited.id, created.id);
    assert!(edited.keywords.is_empty());
    assert_eq!(edited.created_at, created.created_at);

    // Staff learn of each article; connected users only of what the line can do now.
    let staff_events = events(&k.specialist).await;
    assert!(staff_events
        .iter()
        .any(|e| matches!(e, EventBody::ArticleChanged { article } if *article == edited)));
    let user_events = events(&k.user).await;
    assert!(!user_events
        .iter()
        .any(|e| matches!(e, EventBody::ArticleChanged { .. })));
    let last_automation = user_events
        .iter()
        .rev()
        .find_map(|e| match e {
            EventBody::AutomationChanged { automation } => Some(automation.clone()),
            _ => None,
        })
        .expect("the user hears about the knowledge base");
    assert_eq!(last_automation.articles, 1);
    assert_eq!(last_automation.line_id, k.it);

    k.admin
        .delete(&format!("/api/v1/articles/{}", created.id))
        .await
        .unwrap();
    assert_eq!(
        k.admin
            .get::<Article>(&format!("/api/v1/articles/{}", created.id))
            .await
            .unwrap_err()
            .status,
        404
    );
    assert!(events(&k.admin).await.iter().any(|e| matches!(
        e,
        EventBody::ArticleRemoved { article_id, .. } if *article_id == created.id
    )));
    let auto: LineAutomation = k
        .user
        .get(&format!("/api/v1/lines/{}/automation", k.it))
        .await
        .unwrap();
    assert_eq!(auto.articles, 0);
    assert_eq!(auto.mode, BotMode::Specialists);
}

async fn hints_follow_changes(backend: Backend) {
    let mut k = setup(backend).await;
    let path = format!("/api/v1/lines/{}/articles", k.it);
    let vpn: Article = k
        .admin
        .post(
            &path,
            &article(
                "Не работает VPN из дома",
                &["удалённый доступ"],
                "Перезапустите клиент.",
            ),
        )
        .await
        .unwrap();
    assert_eq!(
        hint_ids(&k.user, k.it, "впн не работает").await,
        vec![vpn.id]
    );
    assert_eq!(hint_ids(&k.user, k.it, "vpn").await, vec![vpn.id]);
    // The index was built; now it is patched in place by each change.
    let printer: Article = k
        .admin
        .post(
            &path,
            &article("Принтер не печатает", &[], "Проверьте очередь."),
        )
        .await
        .unwrap();
    assert_eq!(hint_ids(&k.user, k.it, "принтеры").await, vec![printer.id]);
    // typing: the last word is unfinished
    assert_eq!(hint_ids(&k.user, k.it, "принт").await, vec![printer.id]);
    let _: Article = k
        .admin
        .put(
            &format!("/api/v1/articles/{}", vpn.id),
            &article(
                "Как настроить почту на телефоне",
                &[],
                "Установите Outlook.",
            ),
        )
        .await
        .unwrap();
    assert!(hint_ids(&k.user, k.it, "vpn").await.is_empty());
    assert_eq!(hint_ids(&k.user, k.it, "почта телефон").await, vec![vpn.id]);
    k.admin
        .delete(&format!("/api/v1/articles/{}", printer.id))
        .await
        .unwrap();
    assert!(hint_ids(&k.user, k.it, "принтер").await.is_empty());

    // Another node (PostgreSQL) or a restart builds its own index from the database and follows
    // changes made elsewhere.
    if backend == Backend::Postgres {
        let node = k.srv.another_node().await;
        let mut other = k.user.clone();
        other.base = node.url();
        assert_eq!(hint_ids(&other, k.it, "почта").await, vec![vpn.id]);
        let fax: Article = k
            .admin
            .post(&path, &article("Где факс?", &[], "Факсов больше нет."))
            .await
            .unwrap();
        assert_eq!(hint_ids(&other, k.it, "факс").await, vec![fax.id]);
        node.stop().await;
    }
    k.srv.restart().await;
    let user = k.srv.login("user").await;
    assert_eq!(hint_ids(&user, k.it, "почта").await, vec![vpn.id]);
}

async fn hints_walls(backend: Backend) {
    let k = setup(backend).await;
    let _: Article = k
        .admin
        .post(
            &format!("/api/v1/lines/{}/articles", k.acc),
            &article("Когда зарплата?", &[], "25-го."),
        )
        .await
        .unwrap();
    // The user is not connected to Бухгалтерия: the line's hints do not exist for them.
    let e = k
        .user
        .get::<HintList>(&format!("/api/v1/lines/{}/hints?q=зарплата", k.acc))
        .await
        .unwrap_err();
    assert_eq!((e.status, e.code()), (404, "not_found"));
    let staff: HintList = k
        .specialist
        .get(&format!("/api/v1/lines/{}/hints?q=зарплата", k.acc))
        .await
        .unwrap();
    assert_eq!(staff.hints.len(), 1);
    let acme = k.srv.login("acme-admin").await;
    assert_eq!(
        acme.get::<HintList>(&format!("/api/v1/lines/{}/hints?q=x", k.acc))
            .await
            .unwrap_err()
            .status,
        404
    );
    assert_eq!(
        k.srv
            .anon()
            .get::<HintList>(&format!("/api/v1/lines/{}/hints?q=x", k.acc))
            .await
            .unwrap_err()
            .status,
        401
    );
    for bad in ["limit=0", "limit=11", "limit=x", "", "q=1&limit=-1"] {
        let e = k
            .specialist
            .get::<HintList>(&format!("/api/v1/lines/{}/hints?{bad}", k.acc))
            .await
            .unwrap_err();
        assert_eq!(e.status, 400, "{bad}");
    }
    let long = "а".repeat(1001);
    let e = k
        .specialist
        .get::<HintList>(&format!(
            "/api/v1/lines/{}/hints?q={}",
            k.acc,
            urlencode(&long)
        ))
        .await
        .unwrap_err();
    assert_eq!(e.status, 400);
    // Empty or stop-word-only text: no hints, not an error.
    let none: HintList = k
        .specialist
        .get(&format!("/api/v1/lines/{}/hints?q=%20и%20the", k.acc))
        .await
        .unwrap();
    assert!(none.hints.is_empty());
    // Only admins set the bot mode.
    let e = k
        .specialist
        .put::<_, LineAutomation>(
            &format!("/api/v1/lines/{}/bot", k.acc),
            &json!({"mode": "bot_first"}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.status, 403);
    let e = k
        .admin
        .put::<_, LineAutomation>(
            &format!("/api/v1/lines/{}/bot", k.acc),
            &json!({"mode": "sometimes"}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.status, 400);
}

pub fn fixture_import() -> ArticleImport {
    serde_json::from_str(include_str!("fixtures/kb/articles.json")).unwrap()
}

pub fn fixture_questions() -> Vec<(String, String)> {
    let v: Vec<serde_json::Value> =
        serde_json::from_str(include_str!("fixtures/kb/questions.json")).unwrap();
    v.into_iter()
        .map(|q| {
            (
                q["question"].as_str().unwrap().to_owned(),
                q["article"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Imports the fixture into the line and answers every held-out question: (found in the top
/// 3, total, the hints as (question, [article questions])).
pub async fn run_fixture(
    admin: &Api,
    user: &Api,
    line: LineId,
) -> (usize, usize, Vec<(String, Vec<String>)>) {
    let import = fixture_import();
    assert!(import.articles.len() >= 200);
    let r: ImportResult = admin
        .post(&format!("/api/v1/lines/{line}/articles/import"), &import)
        .await
        .unwrap();
    assert_eq!(r.created as usize, import.articles.len());
    let questions = fixture_questions();
    assert!(questions.len() >= 50);
    let mut good = 0;
    let mut answers = Vec::new();
    for (q, want) in &questions {
        let h: HintList = user
            .get(&format!(
                "/api/v1/lines/{line}/hints?q={}&limit=3",
                urlencode(q)
            ))
            .await
            .unwrap();
        let got: Vec<String> = h.hints.into_iter().map(|h| h.question).collect();
        if got.contains(want) {
            good += 1;
        }
        answers.push((q.clone(), got));
    }
    (good, questions.len(), answers)
}

async fn fixture_relevance(backend: Backend) {
    let k = setup(backend).await;
    let (good, total, _) = run_fixture(&k.admin, &k.user, k.it).await;
    let share = good as f64 / total as f64;
    println!(
        "relevance ({backend:?}): the right article in the top 3 for {good} of {total} = {:.1} %",
        share * 100.0
    );
    assert!(share >= 0.8, "only {:.1} % in the top 3", share * 100.0);

    // Importing again updates in place; `replace` removes what the import lacks.
    let mut import = fixture_import();
    let r: ImportResult = k
        .admin
        .post(&format!("/api/v1/lines/{}/articles/import", k.it), &import)
        .await
        .unwrap();
    assert_eq!(
        (r.created, r.updated, r.removed),
        (0, import.articles.len() as i64, 0)
    );
    import.articles.truncate(10);
    import.replace = true;
    let r: ImportResult = k
        .admin
        .post(&format!("/api/v1/lines/{}/articles/import", k.it), &import)
        .await
        .unwrap();
    assert_eq!((r.created, r.updated), (0, 10));
    assert_eq!(r.removed as usize, fixture_import().articles.len() - 10);
    let list: Vec<Article> = k
        .admin
        .get(&format!("/api/v1/lines/{}/articles", k.it))
        .await
        .unwrap();
    assert_eq!(list.len(), 10);

    // An import with one bad article stores nothing.
    let mut bad = fixture_import();
    bad.articles[5].answer = "[x](javascript:void)".into();
    let e = k
        .admin
        .post::<_, ImportResult>(&format!("/api/v1/lines/{}/articles/import", k.it), &bad)
        .await
        .unwrap_err();
    assert_eq!(e.status, 400);
    assert!(e.body["message"].as_str().unwrap().contains("article 6"));
    let list: Vec<Article> = k
        .admin
        .get(&format!("/api/v1/lines/{}/articles", k.it))
        .await
        .unwrap();
    assert_eq!(list.len(), 10);
    // Bigger than the usual 256 KiB body limit: imports take up to 32 MiB.
    let mut big = ArticleImport {
        articles: Vec::new(),
        replace: false,
    };
    for i in 0..600 {
        big.articles.push(ArticleInput {
            question: format!("Вопрос номер {i}"),
            answer: "ответ ".repeat(100),
            keywords: vec![],
        });
    }
    let r: ImportResult = k
        .admin
        .post(&format!("/api/v1/lines/{}/articles/import", k.acc), &big)
        .await
        .unwrap();
    assert_eq!(r.created, 600);
}

/// The same knowledge base gives the same hints on SQLite and PostgreSQL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hints_are_identical_on_both_backends() {
    let s = setup(Backend::Sqlite).await;
    let p = setup(Backend::Postgres).await;
    let (good_s, _, answers_s) = run_fixture(&s.admin, &s.user, s.it).await;
    let (good_p, _, answers_p) = run_fixture(&p.admin, &p.user, p.it).await;
    assert_eq!(good_s, good_p);
    assert_eq!(answers_s, answers_p);
}

async fn markdown_import(backend: Backend) {
    let k = setup(backend).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("01-vpn.md"),
        "# How do I connect to the VPN?\nKeywords: vpn, remote\n\nInstall **GlobalProtect**.\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("02-mail.md"),
        "# Как настроить почту?\n\nОткройте [Outlook](https://outlook.example).\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("notes.txt"), "ignored").unwrap();
    let articles = okno_server::kb::read_markdown_folder(dir.path()).unwrap();
    assert_eq!(articles.len(), 2);
    let state = k.srv.server.as_ref().unwrap().state.clone();
    let r = okno_server::kb::import(
        &state,
        None,
        k.it,
        ArticleImport {
            articles,
            replace: false,
        },
    )
    .await
    .unwrap();
    assert_eq!(r.created, 2);
    let list: Vec<Article> = k
        .admin
        .get(&format!("/api/v1/lines/{}/articles", k.it))
        .await
        .unwrap();
    assert_eq!(list[0].keywords, vec!["vpn", "remote"]);
    assert_eq!(
        list[1].answer,
        "Откройте [Outlook](https://outlook.example)."
    );
    assert_eq!(hint_ids(&k.user, k.it, "почту").await, vec![list[1].id]);
    std::fs::write(dir.path().join("03-bad.md"), "no heading here").unwrap();
    assert!(okno_server::kb::read_markdown_folder(dir.path()).is_err());
}

async fn demo_knowledge_base(backend: Backend) {
    let k = setup(backend).await;
    let state = k.srv.server.as_ref().unwrap().state.clone();
    assert!(okno_server::demo::seed_knowledge_base(&state)
        .await
        .unwrap());
    assert!(!okno_server::demo::seed_knowledge_base(&state)
        .await
        .unwrap());
    let auto: LineAutomation = k
        .user
        .get(&format!("/api/v1/lines/{}/automation", k.it))
        .await
        .unwrap();
    assert_eq!(auto.articles as usize, fixture_import().articles.len());
    assert!(auto.has_menu);
    let h: HintList = k
        .user
        .get(&format!(
            "/api/v1/lines/{}/hints?q={}",
            k.it,
            urlencode("не могу подключиться к впн из дома")
        ))
        .await
        .unwrap();
    assert_eq!(
        h.hints[0].question,
        "Как подключиться к корпоративному VPN из дома?"
    );
}
