//! Personal and project folders enforced by the server, against a real OpenBao with userpass users: the
//! templated personal policy keeps each user to their own folder (users created after it included), a
//! project's group gives its members its folder and nobody else, through sesame and plain HTTP.

mod common;

use std::process::Stdio;

use reqwest::Method;
use serde_json::json;

use common::cli::command;

struct Out {
    code: i32,
    out: String,
    err: String,
}

fn sesame(token: &str, envs: &[(&str, &str)], args: &[&str]) -> Out {
    let mut cmd = command(token);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let o = cmd.args(args).stdout(Stdio::piped()).stderr(Stdio::piped()).output().expect("sesame");
    Out {
        code: o.status.code().unwrap_or(-1),
        out: String::from_utf8_lossy(&o.stdout).into_owned(),
        err: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn personal_folders_and_projects_are_enforced_by_the_server() {
    let s = common::server();
    let root = s.token.clone();
    let m = s.fresh_mount(2).await;
    let up = format!("up{}", common::random_suffix(6));
    let (st, _) = s.request(Method::POST, &format!("sys/auth/{up}"), Some(json!({"type": "userpass"}))).await;
    assert!(st.is_success());
    let dir = std::env::temp_dir().join(format!("sesame-scopes-{}", common::random_suffix(8)));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!("[scopes]\npersonal = \"{m}/users/{{{{username}}}}/\"\nprojects = \"{m}/projects/\"\nauth_mount = \"{up}\"\n"),
    )
    .unwrap();
    let cfg = config.display().to_string();
    let env = [("SESAME_CONFIG", cfg.as_str())];

    let out = sesame(&root, &env, &["scopes", "policy", "show"]);
    assert_eq!(out.code, 0, "{}", out.err);
    assert!(
        out.out.contains("identity.entity.aliases.auth_userpass_") && out.out.contains("/data/users/"),
        "{}",
        out.out
    );
    let out = sesame(&root, &env, &["scopes", "policy", "diff"]);
    assert_eq!(out.code, 1, "not on the server yet: {}{}", out.out, out.err);
    let out = sesame(&root, &env, &["scopes", "policy", "apply"]);
    assert_eq!(out.code, 0, "{}", out.err);
    let out = sesame(&root, &env, &["scopes", "policy", "diff"]);
    assert_eq!(out.code, 0, "the server holds it now: {}{}", out.out, out.err);

    let add_user = |name: &'static str| {
        let up = up.clone();
        async move {
            let (st, body) = common::server()
                .request(
                    Method::POST,
                    &format!("auth/{up}/users/{name}"),
                    Some(json!({"password": "pw-of-someone", "token_policies": "sesame-personal"})),
                )
                .await;
            assert!(st.is_success(), "{body}");
        }
    };
    add_user("alice").await;
    add_user("bob").await;
    let out =
        sesame(&root, &env, &["scopes", "project", "add", "ml", "--member", "alice", "--member", "bob"]);
    assert_eq!(out.code, 0, "{}", out.err);
    // The project's policy is among the scope policies: diff agrees with the server, then sees a change.
    let out = sesame(&root, &env, &["scopes", "policy", "diff"]);
    assert_eq!(out.code, 0, "{}{}", out.out, out.err);
    let out = sesame(&root, &env, &["scopes", "policy", "show"]);
    assert!(
        out.out.contains("# policy sesame-project-ml") && out.out.contains("/projects/ml/*"),
        "{}",
        out.out
    );
    s.put_policy("sesame-project-ml", "path \"nothing/*\" { capabilities = [\"read\"] }\n").await;
    let out = sesame(&root, &env, &["scopes", "policy", "diff"]);
    assert_eq!(out.code, 1, "{}", out.out);
    assert!(out.out.contains("sesame-project-ml (on the server)"), "{}", out.out);
    let out = sesame(&root, &env, &["scopes", "policy", "apply"]);
    assert!(out.err.contains("wrote policy sesame-project-ml"), "{}", out.err);

    // A user created after the policy was applied, in no project.
    add_user("carol").await;

    let login = |user: &str| {
        let o = sesame(
            &root,
            &[("SESAME_PASSWORD", "pw-of-someone")],
            &["login", "--mount", &up, "--username", user, "--format", "token"],
        );
        assert_eq!(o.code, 0, "{}", o.err);
        o.out.trim().to_string()
    };
    let (alice, bob, carol) = (login("alice"), login("bob"), login("carol"));

    // Each writes and reads their own folder.
    for (t, u) in [(&alice, "alice"), (&bob, "bob"), (&carol, "carol")] {
        let put = sesame(t, &env, &["put", &format!("{m}/users/{u}/db"), &format!("OWNER={u}")]);
        assert_eq!(put.code, 0, "{u} writes their own folder: {}", put.err);
        let get = sesame(t, &env, &["get", &format!("{m}/users/{u}/db"), "--field", "OWNER", "--reveal"]);
        assert_eq!(get.out.trim(), u);
    }
    // Nobody else's: through sesame and plain HTTP.
    let get = sesame(&bob, &env, &["get", &format!("{m}/users/alice/db"), "--reveal"]);
    assert_ne!(get.code, 0);
    assert!(!get.out.contains("alice"));
    let put = sesame(&alice, &env, &["put", &format!("{m}/users/bob/db"), "OWNER=alice"]);
    assert_ne!(put.code, 0, "alice may not write bob's folder");
    let (st, _) =
        common::raw_request(&s.addr, &bob, Method::GET, &format!("{m}/data/users/alice/db"), None).await;
    assert_eq!(st.as_u16(), 403);
    let (st, _) = common::raw_request(
        &s.addr,
        &alice,
        Method::GET,
        &format!("{m}/metadata/users/bob/?list=true"),
        None,
    )
    .await;
    assert_eq!(st.as_u16(), 403, "alice may not list bob's folder");

    // The project: both members read and write; carol may not.
    let put = sesame(&alice, &env, &["put", &format!("{m}/projects/ml/wandb"), "API_KEY=k1"]);
    assert_eq!(put.code, 0, "{}", put.err);
    let get =
        sesame(&bob, &env, &["get", &format!("{m}/projects/ml/wandb"), "--field", "API_KEY", "--reveal"]);
    assert_eq!(get.out.trim(), "k1", "{}", get.err);
    let put = sesame(&bob, &env, &["put", &format!("{m}/projects/ml/wandb"), "API_KEY=k2"]);
    assert_eq!(put.code, 0, "{}", put.err);
    let get = sesame(&carol, &env, &["get", &format!("{m}/projects/ml/wandb"), "--reveal"]);
    assert_ne!(get.code, 0, "carol is not a member");
    let (st, _) =
        common::raw_request(&s.addr, &carol, Method::GET, &format!("{m}/data/projects/ml/wandb"), None).await;
    assert_eq!(st.as_u16(), 403);

    // whoami: the personal folder and the projects.
    let who = sesame(&alice, &env, &["scopes", "whoami"]);
    assert!(
        who.out.contains(&format!("personal  {m}/users/alice/")) && who.out.contains("projects  ml"),
        "{}",
        who.out
    );
    let who = sesame(&carol, &env, &["scopes", "whoami"]);
    assert!(who.out.contains("projects  -"), "{}", who.out);

    // The explorer as alice: p lists her places; Enter on the project jumps there, tagged.
    places_in_the_tui(&alice, &m, &up).await;

    // Sharing alice's private secret with ml: bob reads it; made private again: he may not.
    let out = sesame(&alice, &env, &["scopes", "share", &format!("{m}/users/alice/db"), "ml"]);
    assert_eq!(out.code, 0, "{}", out.err);
    assert!(
        out.err.contains(&format!("to {m}/projects/ml/db")) && out.err.contains("members of ml"),
        "{}",
        out.err
    );
    let get = sesame(&bob, &env, &["get", &format!("{m}/projects/ml/db"), "--field", "OWNER", "--reveal"]);
    assert_eq!(get.out.trim(), "alice", "{}", get.err);
    let out = sesame(&alice, &env, &["scopes", "unshare", &format!("{m}/projects/ml/db")]);
    assert_eq!(out.code, 0, "{}", out.err);
    let get = sesame(&bob, &env, &["get", &format!("{m}/projects/ml/db"), "--reveal"]);
    assert_ne!(get.code, 0, "gone from the project");
    let get = sesame(&bob, &env, &["get", &format!("{m}/users/alice/db"), "--reveal"]);
    assert_ne!(get.code, 0, "and private to alice");
    let get = sesame(&alice, &env, &["get", &format!("{m}/users/alice/db"), "--field", "OWNER", "--reveal"]);
    assert_eq!(get.out.trim(), "alice");
    let out = sesame(&carol, &env, &["scopes", "share", &format!("{m}/users/carol/db"), "ml"]);
    assert_ne!(out.code, 0, "carol is not a member of ml: nothing moves");
    let get = sesame(&carol, &env, &["get", &format!("{m}/users/carol/db"), "--field", "OWNER", "--reveal"]);
    assert_eq!(get.out.trim(), "carol", "her secret is still there");

    // Removing bob from the project: his next token may not read it any more.
    let out = sesame(&root, &env, &["scopes", "project", "add", "ml", "--member", "alice"]);
    assert_eq!(out.code, 0, "{}", out.err);
    let get = sesame(&bob, &env, &["get", &format!("{m}/projects/ml/wandb"), "--reveal"]);
    assert_ne!(get.code, 0, "bob was removed from ml");
}

async fn places_in_the_tui(token: &str, m: &str, up: &str) {
    use crossterm::event::KeyCode;
    use sesame::app::{App, Effect, Msg, Settings};
    use sesame::scopes::ScopeSettings;

    let vault = common::vault().with_token(token);
    let (mut app, mut cmds) =
        App::new(vault.addr(), sesame::keymap::Keymap::default_keymap(), Some(format!("{m}/")));
    app.configure(Settings {
        scopes: ScopeSettings {
            personal: format!("{m}/users/{{{{username}}}}/"),
            projects: format!("{m}/projects/"),
            auth_mount: up.to_string(),
        },
        bookmarks: vec![format!("{m}/users/")],
        ..Settings::default()
    });
    app.update(Msg::Resize(100, 30));
    let settle = async |app: &mut App, cmds: Vec<Effect>| common::ui::settle(&vault, app, cmds).await;
    settle(&mut app, std::mem::take(&mut cmds)).await;
    let c = app.update(common::ui::key('p'));
    settle(&mut app, c).await;
    let screen = common::ui::render(&app, (100, 30));
    assert!(screen.contains("Places"), "{screen}");
    assert!(
        screen.contains(&format!("My secrets  {m}/users/alice/")) || screen.contains("My secrets"),
        "{screen}"
    );
    assert!(screen.contains("Project ml"), "{screen}");
    assert!(screen.contains("Bookmark"), "{screen}");
    // Down to "Project ml" (after "My secrets"), Enter.
    let c = app.update(common::ui::code(KeyCode::Down));
    settle(&mut app, c).await;
    let c = app.update(common::ui::code(KeyCode::Enter));
    settle(&mut app, c).await;
    assert_eq!(app.breadcrumb(), format!("{m}/projects/ml/"));
    let screen = common::ui::render(&app, (100, 30));
    assert!(screen.contains("[project: ml]") && screen.contains("wandb"), "{screen}");

    // Inside a project, a new secret goes there without a question.
    let c = app.update(common::ui::key('n'));
    settle(&mut app, c).await;
    for ch in "inproject".chars() {
        let c = app.update(common::ui::key(ch));
        settle(&mut app, c).await;
    }
    let c = app.update(common::ui::code(KeyCode::Enter));
    settle(&mut app, c).await;
    assert_eq!(
        app.form.as_ref().map(|f| f.target().1.to_string()),
        Some("projects/ml/inproject".to_string())
    );
    let c = app.update(common::ui::code(KeyCode::Esc));
    settle(&mut app, c).await;
    assert!(app.form.is_none());

    // At the mount's root (outside the scopes): private by default, or a project, or here.
    for _ in 0..2 {
        let c = app.update(common::ui::key('h'));
        settle(&mut app, c).await;
    }
    assert_eq!(app.breadcrumb(), format!("{m}/"));
    let c = app.update(common::ui::key('n'));
    settle(&mut app, c).await;
    for ch in "notes".chars() {
        let c = app.update(common::ui::key(ch));
        settle(&mut app, c).await;
    }
    let c = app.update(common::ui::code(KeyCode::Enter));
    settle(&mut app, c).await;
    let screen = common::ui::render(&app, (100, 30));
    assert!(screen.contains("private or project?") && screen.contains("Where does notes go?"), "{screen}");
    assert!(
        screen.contains("› Private") && screen.contains("Project ml") && screen.contains("Here"),
        "{screen}"
    );
    let c = app.update(common::ui::code(KeyCode::Enter));
    settle(&mut app, c).await;
    assert_eq!(app.form.as_ref().map(|f| f.target().1.to_string()), Some("users/alice/notes".to_string()));
    let c = app.update(common::ui::code(KeyCode::Esc));
    settle(&mut app, c).await;

    // S in her folder shares db with ml (moved, verified); S on it in ml makes it private again.
    let c = app.update(Msg::Resolved(Ok(sesame::app::StartTarget {
        mount: vault.mount_of(m).await.unwrap(),
        path: "users/alice".into(),
        is_secret: false,
    })));
    settle(&mut app, c).await;
    assert_eq!(app.breadcrumb(), format!("{m}/users/alice/"));
    let select = |app: &mut App, name: &str| {
        app.update(common::ui::key('g'));
        for _ in 0..20 {
            if app.list.selected_entry().map(|e| e.name.as_str()) == Some(name) {
                return;
            }
            app.update(common::ui::key('j'));
        }
        panic!(
            "no row {name} in {:?} at {}: {}",
            app.list.entries.iter().map(|e| e.name.clone()).collect::<Vec<_>>(),
            app.breadcrumb(),
            common::ui::render(app, (100, 30))
        );
    };
    select(&mut app, "db");
    let c = app.update(common::ui::key('S'));
    settle(&mut app, c).await;
    assert!(common::ui::render(&app, (100, 30)).contains("project ml"));
    let c = app.update(common::ui::code(KeyCode::Enter));
    settle(&mut app, c).await;
    let mount = vault.mount_of(m).await.unwrap();
    assert!(vault.read(&mount, "projects/ml/db", None).await.is_ok(), "{:?}", app.message);
    assert!(!app.list.entries.iter().any(|e| e.name == "db"), "the folder was listed again without it");
    let c = app.update(Msg::Resolved(Ok(sesame::app::StartTarget {
        mount: mount.clone(),
        path: "projects/ml".into(),
        is_secret: false,
    })));
    settle(&mut app, c).await;
    select(&mut app, "db");
    let c = app.update(common::ui::key('S'));
    settle(&mut app, c).await;
    assert!(common::ui::render(&app, (100, 30)).contains("private?"));
    let c = app.update(common::ui::code(KeyCode::Enter));
    settle(&mut app, c).await;
    assert!(vault.read(&mount, "users/alice/db", None).await.is_ok(), "{:?}", app.message);
    assert!(vault.read(&mount, "projects/ml/db", None).await.is_err());

    // B: the places beside the folders, the current one (project ml) marked; a click on My secrets jumps.
    let c = app.update(common::ui::key('B'));
    settle(&mut app, c).await;
    assert!(app.sidebar);
    let screen = common::ui::render(&app, (100, 30));
    let rows: Vec<&str> = screen.lines().collect();
    // (Each row is rendered quoted: the sidebar is the first column.)
    assert!(rows[1].starts_with("\"┌ Places"), "{screen}");
    assert!(rows[2].starts_with("\"│⌂ My secrets") && rows[3].starts_with("\"│◆ ml"), "{screen}");
    assert!(screen.contains(&format!("│★ {m}/users/")), "the bookmark: {screen}");
    let choices = app.place_choices();
    assert_eq!(app.current_place(&choices).map(|i| choices[i].0.as_str()), Some("Project ml"));
    let click = |column, row| {
        Msg::Mouse(crossterm::event::MouseEvent {
            kind: crossterm::event::MouseEventKind::Down(crossterm::event::MouseButton::Left),
            column,
            row,
            modifiers: crossterm::event::KeyModifiers::NONE,
        })
    };
    let c = app.update(click(4, 2));
    settle(&mut app, c).await;
    assert_eq!(app.breadcrumb(), format!("{m}/users/alice/"));
    // The folder list beside it still takes clicks: its first row is at the sidebar's right.
    let c = app.update(click(sesame::layout::SIDEBAR_WIDTH + 3, 2));
    assert!(
        c.iter().any(|e| matches!(e, Effect::OpenSecret { path, .. } if path.ends_with("db"))),
        "a click on the selected row opens it: {c:?}"
    );
    app.update(common::ui::key('q'));
    // Too narrow a terminal: no sidebar, the list takes the width.
    let narrow = common::ui::render(&app, (70, 20));
    assert!(!narrow.contains("My secrets"), "{narrow}");
    let c = app.update(common::ui::key('B'));
    settle(&mut app, c).await;
    assert!(!common::ui::render(&app, (100, 30)).contains("⌂ My secrets"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_sets_up_alice_bob_and_project_ml_with_the_modes_still_enforced() {
    use sesame::vault::devserver::{self, DevOptions, DevServer};
    use sesame::vault::kv::Vault;
    use sesame::vault::modes::Mode;
    if std::env::var_os("SESAME_TEST_VAULT_ADDR").is_some() {
        return; // The demo needs a throw-away server of its own.
    }
    let dev = DevServer::start(DevOptions::default()).await.unwrap();
    devserver::seed_demo(dev.addr(), dev.root_token()).await.unwrap();
    sesame::vault::demo_modes::seed_demo_modes(dev.addr(), dev.root_token()).await.unwrap();
    let (alice, bob) = sesame::scopes::seed_demo(dev.addr(), dev.root_token()).await.unwrap();
    let root = Vault::connect(dev.addr(), dev.root_token()).unwrap();
    let secret = root.mount_of("secret").await.unwrap();
    let (alice, bob) =
        (Vault::connect(dev.addr(), &alice).unwrap(), Vault::connect(dev.addr(), &bob).unwrap());
    assert!(alice.read(&secret, "users/alice/notebook", None).await.is_ok());
    assert!(bob.read(&secret, "users/bob/notebook", None).await.is_ok());
    assert!(matches!(
        bob.read(&secret, "users/alice/notebook", None).await,
        Err(sesame::vault::VaultError::Forbidden { .. })
    ));
    assert!(alice.read(&secret, "projects/ml/wandb", None).await.is_ok());
    assert!(bob.read(&secret, "projects/ml/wandb", None).await.is_ok());

    // A mode on a project secret stays enforced inside the scope: readonly refuses the members' writes once
    // the modes policy is applied again, though the project's policy grants them.
    let modes =
        sesame::vault::modes::Modes::new(sesame::vault::annotations::AnnotationStore::new(root.clone()));
    modes.set_mode(&secret, "projects/ml/wandb", Mode::ReadOnly).await.unwrap();
    let mut entries = Vec::new();
    for (mount, version, path, mode) in sesame::vault::demo_modes::DEMO_MODES {
        let m =
            sesame::vault::kv::Mount { path: (*mount).into(), version: *version, description: String::new() };
        entries.push(sesame::vault::policy::entry(&m, path, *mode));
    }
    entries.push(sesame::vault::policy::entry(&secret, "projects/ml/wandb", Mode::ReadOnly));
    let generated = sesame::vault::policy::generate(sesame::vault::policy::DEFAULT_POLICY_NAME, &entries);
    sesame::vault::policy::apply_policy(&root, sesame::vault::policy::DEFAULT_POLICY_NAME, &generated.hcl)
        .await
        .unwrap();
    let data = sesame::secret::SecretData::from_json_object(r#"{"WANDB_API_KEY":"changed"}"#).unwrap();
    let e = alice.write(&secret, "projects/ml/wandb", &data, &sesame::vault::write::Expected::Anything).await;
    assert!(matches!(e, Err(sesame::vault::VaultError::Forbidden { .. })), "{e:?}");
    assert!(alice.read(&secret, "projects/ml/wandb", None).await.is_ok(), "readonly still reads");
    // Elsewhere in the project the members still write.
    alice
        .write(&secret, "projects/ml/other", &data, &sesame::vault::write::Expected::Anything)
        .await
        .unwrap();
    dev.stop().await;
}

/// `{{identity.entity.name}}` in the personal folder: the folder is named after the token's identity entity
/// (not the login name), the policy resolves it for users created later, and each user reads their own
/// entity to learn it. In a namespace of its own, so its `sesame-personal` policy is its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_personal_folder_named_by_the_identity_entity() {
    let s = common::server();
    let root = s.token.clone();
    let ns = format!("ent{}", common::random_suffix(6));
    let (st, body) = s.request(Method::POST, &format!("sys/namespaces/{ns}"), Some(json!({}))).await;
    assert!(st.is_success(), "{st} {body}");
    let vault = common::vault().in_namespace(Some(&ns));
    let (st, _) = vault
        .raw("POST", "sys/mounts/kv", Some(&json!({"type": "kv", "options": {"version": "2"}})))
        .await
        .unwrap();
    assert!((200..300).contains(&st));
    let (st, _) = vault.raw("POST", "sys/auth/userpass", Some(&json!({"type": "userpass"}))).await.unwrap();
    assert!((200..300).contains(&st));

    let dir = std::env::temp_dir().join(format!("sesame-scopes-ent-{}", common::random_suffix(8)));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        "[scopes]\npersonal = \"kv/users/{{identity.entity.name}}/\"\nprojects = \"kv/projects/\"\n",
    )
    .unwrap();
    let cfg = config.display().to_string();
    let env = [("SESAME_CONFIG", cfg.as_str()), ("VAULT_NAMESPACE", ns.as_str())];

    let out = sesame(&root, &env, &["scopes", "policy", "show"]);
    assert_eq!(out.code, 0, "{}", out.err);
    assert!(
        out.out.contains("kv/data/users/{{identity.entity.name}}/*")
            && out.out.contains("identity/entity/id/{{identity.entity.id}}"),
        "{}",
        out.out
    );
    let out = sesame(&root, &env, &["scopes", "policy", "apply"]);
    assert_eq!(out.code, 0, "{}", out.err);

    // carol's entity is named otherwise than her login; dave gets the entity the server makes at login.
    for user in ["carol", "dave"] {
        let (st, _) = vault
            .raw(
                "POST",
                &format!("auth/userpass/users/{user}"),
                Some(&json!({"password": "pw-of-someone", "token_policies": "sesame-personal"})),
            )
            .await
            .unwrap();
        assert!((200..300).contains(&st));
    }
    let carol_entity = sesame::scopes::entity_of(&vault, "userpass", "carol").await.unwrap();
    let (st, _) = vault
        .raw("POST", &format!("identity/entity/id/{carol_entity}"), Some(&json!({"name": "carol.example"})))
        .await
        .unwrap();
    assert!((200..300).contains(&st));

    let login = |user: &str| {
        let mut envs = env.to_vec();
        envs.push(("SESAME_PASSWORD", "pw-of-someone"));
        let o =
            sesame(&root, &envs, &["login", "--mount", "userpass", "--username", user, "--format", "token"]);
        assert_eq!(o.code, 0, "{}", o.err);
        o.out.trim().to_string()
    };
    let (carol, dave) = (login("carol"), login("dave"));

    let who = sesame(&carol, &env, &["scopes", "whoami"]);
    assert!(
        who.out.contains("personal  kv/users/carol.example/"),
        "the entity's name: {}{}",
        who.out,
        who.err
    );
    let put = sesame(&carol, &env, &["put", "kv/users/carol.example/db", "OWNER=carol"]);
    assert_eq!(put.code, 0, "{}", put.err);
    let put = sesame(&carol, &env, &["put", "kv/users/carol/db", "OWNER=carol"]);
    assert_ne!(put.code, 0, "the login name is not her folder");

    let who = sesame(&dave, &env, &["scopes", "whoami"]);
    let folder = who
        .out
        .lines()
        .find_map(|l| l.strip_prefix("personal  "))
        .unwrap_or_else(|| panic!("{}{}", who.out, who.err))
        .to_string();
    assert!(folder.starts_with("kv/users/entity_"), "the entity made at login: {folder}");
    let put = sesame(&dave, &env, &["put", &format!("{folder}db"), "OWNER=dave"]);
    assert_eq!(put.code, 0, "{}", put.err);
    let get = sesame(&dave, &env, &["get", "kv/users/carol.example/db", "--reveal"]);
    assert_ne!(get.code, 0, "nobody else's");

    // The explorer as carol: her folder is tagged [private] without asking for the places.
    use sesame::app::{App, Msg, Settings};
    let vault = common::vault().with_token(&carol).in_namespace(Some(&ns));
    let (mut app, cmds) = App::new(
        vault.addr(),
        sesame::keymap::Keymap::default_keymap(),
        Some("kv/users/carol.example/".into()),
    );
    app.configure(Settings {
        scopes: sesame::scopes::ScopeSettings {
            personal: "kv/users/{{identity.entity.name}}/".into(),
            projects: "kv/projects/".into(),
            auth_mount: "userpass".into(),
        },
        ..Settings::default()
    });
    app.update(Msg::Resize(100, 30));
    common::ui::settle(&vault, &mut app, cmds).await;
    let screen = common::ui::render(&app, (100, 30));
    assert!(screen.contains("[private]") && screen.contains("db"), "{screen}");
}
