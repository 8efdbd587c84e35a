//! The `sesame` binary: parses the command line and runs the explorer or a subcommand.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::ExitCode;

use anyhow::Context as _;
use clap::Parser;

use sesame::app::App;
use sesame::cli::{Cli, Command};
use sesame::commands::{admin, edit};
use sesame::keymap::Keymap;
use sesame::vault::{Vault, VaultError};

/// The exit status when a write was sent and its answer never came: it may have been carried out.
const EXIT_MAY_HAVE_WRITTEN: u8 = 3;
use sesame::vault::connect::{ConnectArgs, ConnectSettings};
use sesame::vault::devserver::{self, DevOptions, DevServer};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("sesame: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            // Errors quote paths and names that came from the server: shown escaped, line breaks kept.
            eprintln!("sesame: {}", sesame::sanitize::lines(&format!("{e:#}")));
            let unknown =
                e.chain().any(|c| c.downcast_ref::<VaultError>().is_some_and(VaultError::may_have_written));
            if unknown { ExitCode::from(EXIT_MAY_HAVE_WRITTEN) } else { ExitCode::FAILURE }
        }
    }
}

fn connect(args: &ConnectArgs) -> anyhow::Result<Vault> {
    let args = match &args.profile {
        Some(name) => args.over_profile(sesame::config::Config::load()?.find_profile(name)?),
        None => args.clone(),
    };
    let settings = ConnectSettings::from_env(&args)?;
    let client = settings.build_client()?;
    Ok(Vault::new(client))
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let log = sesame::logging::init(cli.global.log_file.as_deref())?;
    let dev_opts = DevOptions { binary: cli.dev_server.clone(), ..Default::default() };
    match &cli.command {
        Some(Command::Dev { no_seed }) => {
            devserver::run_foreground(dev_opts, !no_seed).await?;
            return Ok(ExitCode::SUCCESS);
        }
        Some(Command::Ls(args)) => {
            sesame::commands::ls(&connect(&args.connect)?, args).await?;
            return Ok(ExitCode::SUCCESS);
        }
        Some(Command::Get(args)) => {
            sesame::commands::get(&connect(&args.connect)?, args).await?;
            return Ok(ExitCode::SUCCESS);
        }
        Some(Command::Find(args)) => return Ok(sesame::commands::find::find(args).await),
        Some(Command::Snippet(args)) => {
            return sesame::commands::consume::snippet(&connect(&args.connect)?, args).await;
        }
        Some(Command::Copy(args)) => {
            return sesame::commands::consume::copy(&connect(&args.connect)?, args).await;
        }
        Some(Command::Run(args)) => {
            return sesame::commands::consume::run(&connect(&args.connect)?, args).await;
        }
        Some(Command::Login(args)) => {
            let config = sesame::config::Config::load()?;
            // A login needs no token: the profile's token file may not exist yet.
            let mut c = match &args.connect.profile {
                Some(name) => args.connect.over_profile(config.find_profile(name)?),
                None => args.connect.clone(),
            };
            c.token_file = None;
            c.profile = None;
            return sesame::commands::login::login(&connect(&c)?, args, &config).await;
        }
        Some(Command::Scopes(args)) => {
            return sesame::commands::scopes::scopes(&connect(&args.connect)?, args).await;
        }
        Some(Command::Profiles(_)) => {
            return Ok(sesame::commands::login::profiles(&sesame::config::Config::load()?));
        }
        Some(Command::Diff(args)) => {
            return sesame::commands::compare::diff(&connect(&args.connect)?, args).await;
        }
        Some(Command::Promote(args)) => {
            return sesame::commands::compare::promote(&connect(&args.connect)?, args).await;
        }
        Some(Command::Inject(args)) => {
            return sesame::commands::refs::inject(&connect(&args.connect)?, args).await;
        }
        Some(Command::Export(args)) => {
            return sesame::commands::consume::export(&connect(&args.connect)?, args).await;
        }
        Some(Command::ClipboardHelper(args)) => return Ok(sesame::clipboard::run_helper(args.clone()).await),
        Some(Command::Put(args)) => return edit::put(&connect(&args.connect)?, args).await,
        Some(Command::Mkdir(args)) => return edit::mkdir(&connect(&args.connect)?, args).await,
        Some(Command::Rm(args)) => return edit::rm(&connect(&args.connect)?, args).await,
        Some(Command::Mv(args)) => return edit::mv(&connect(&args.connect)?, args).await,
        Some(Command::Cp(args)) => return edit::cp(&connect(&args.connect)?, args).await,
        Some(Command::History(args)) => return edit::history(&connect(&args.connect)?, args).await,
        Some(Command::Rollback(args)) => return edit::rollback(&connect(&args.connect)?, args).await,
        Some(Command::Undelete(args)) => return edit::undelete(&connect(&args.connect)?, args).await,
        Some(Command::Destroy(args)) => return edit::destroy(&connect(&args.connect)?, args).await,
        Some(Command::Mode(args)) => return admin::mode(&connect(&args.connect)?, args).await,
        Some(Command::Policy(args)) => return admin::policy(&connect(&args.connect)?, args).await,
        Some(Command::Audit(args)) => return admin::audit(&connect(&args.connect)?, args).await,
        None => {}
    }

    let keymap = Keymap::load(sesame::config::keymap_path().as_deref())?;
    // The dev server lives as long as this function: dropping it (on any return or unwinding panic) stops it.
    let (vault, server) = if cli.dev {
        eprintln!("sesame: starting a throw-away OpenBao dev server…");
        let server = DevServer::start(dev_opts).await?;
        devserver::seed_demo(server.addr(), server.root_token())
            .await
            .context("cannot seed the demo data")?;
        let user = sesame::vault::demo_modes::seed_demo_modes(server.addr(), server.root_token())
            .await
            .context("cannot set up the admin modes demo")?;
        let (alice, bob) = sesame::scopes::seed_demo(server.addr(), server.root_token())
            .await
            .context("cannot set up the scopes demo")?;
        drop(user);
        let token = match cli.dev_as {
            Some(sesame::cli::DevIdentity::Alice) => alice,
            Some(sesame::cli::DevIdentity::Bob) => bob,
            _ => server.root_token().to_string(),
        };
        (Vault::connect(server.addr(), &token)?, Some(server))
    } else {
        (connect(&cli.connect)?, None)
    };
    tracing::info!(addr = vault.addr(), log = ?log, "starting the explorer");
    let config = sesame::config::Config::load()?;
    // --mine: start in the personal folder (from the token's login name).
    let start = match (cli.mine, &cli.path) {
        (true, None) => match sesame::scopes::username(&vault, &config.scopes).await {
            Ok(Some(user)) => Some(config.scopes.personal_for(&user)),
            Ok(None) => anyhow::bail!("--mine: this token has no login name, so no personal folder"),
            Err(e) => anyhow::bail!("--mine: cannot look the token up: {e}"),
        },
        _ => cli.path.clone(),
    };
    let (mut app, mut initial) = App::new(vault.addr(), keymap, start);
    if let Some(query) = &cli.find {
        app.open_finder(query, &mut initial);
    }
    app.configure(sesame::app::Settings {
        no_color: sesame::config::no_color(cli.global.no_color),
        service: config.service.clone(),
        upper_keys: config.editor.uppercase_keys,
        clear_after_secs: config.clipboard.clear_delay().map_or(0, |d| d.as_secs()),
        namespace: vault.namespace().map(str::to_string),
        profile: cli.connect.profile.clone(),
        scopes: config.scopes.clone(),
        login: match cli.connect.profile.as_deref().map(|n| config.find_profile(n)) {
            Some(Ok(p)) => sesame::app::login_form::LoginSettings::of_profile(p),
            _ => sesame::app::login_form::LoginSettings::default(),
        },
        profiles: config.profile.iter().map(|p| p.name.clone()).collect(),
        bookmarks: sesame::config::load_bookmarks(),
        env_file: match &cli.env_file {
            Some(p) => Some((p.display().to_string(), sesame::commands::refs::env_file(p)?)),
            None => None,
        },
    });
    let clipboard = sesame::clipboard::Clipboard::new(config.clipboard.clone());
    let base = cli.connect.clone();
    let profiles = config.profile.clone();
    let connector: sesame::tui::ProfileConnector = std::sync::Arc::new(move |name: &str| {
        let p =
            profiles.iter().find(|p| p.name == name).ok_or_else(|| anyhow::anyhow!("no profile {name}"))?;
        Ok((
            sesame::vault::connect::vault_for_profile(&base, p)?,
            sesame::app::login_form::LoginSettings::of_profile(p),
        ))
    });
    let result = sesame::tui::run(vault, app, initial, cli.mounts.clone(), clipboard, connector).await;
    // Dropping the in-memory dev server kills it at once: there is nothing in it to flush.
    drop(server);
    result?;
    Ok(ExitCode::SUCCESS)
}
