//! `sesame scopes`: the personal folders and the project folders, enforced by the server
//! ([`crate::scopes`]).

use std::process::ExitCode;

use clap::{Args, Subcommand};

use crate::config::Config;
use crate::scopes::{self, PROJECT_PREFIX};
use crate::vault::Vault;
use crate::vault::connect::ConnectArgs;

/// `sesame scopes`.
#[derive(Args, Debug)]
pub struct ScopesArgs {
    #[command(subcommand)]
    pub what: ScopesCommand,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// What `sesame scopes` does.
#[derive(Subcommand, Debug)]
pub enum ScopesCommand {
    /// The scope policies (the templated personal policy, and each project's): `show` prints them, `diff`
    /// compares them with the server's, `apply` writes them (attach `sesame-personal` to your users: their
    /// auth method's token_policies, or a group).
    Policy {
        /// show | diff | apply
        #[arg(value_parser = ["show", "diff", "apply"])]
        action: String,
    },
    /// Projects: `add NAME --member USER…` writes the project's policy and its group with these members
    /// (entities made for users who have none); `remove NAME` removes both (the secrets stay).
    Project {
        /// add | remove
        #[arg(value_parser = ["add", "remove"])]
        action: String,
        /// The project.
        name: String,
        /// A member, by login name on the scopes' auth mount; repeatable.
        #[arg(long = "member", value_name = "USER")]
        members: Vec<String>,
    },
    /// Who this token is, its personal folder and the projects it may list.
    Whoami,
    /// Share a secret of your personal folder with a project: moved (or --copy) into the project's folder,
    /// verified; says who will be able to read it.
    Share {
        /// The secret, in your personal folder.
        path: String,
        /// The project.
        project: String,
        /// Copy instead of moving.
        #[arg(long)]
        copy: bool,
    },
    /// Make a project's secret private again: moved into your personal folder, verified.
    Unshare {
        /// The secret, in a project's folder.
        path: String,
    },
}

/// `sesame scopes …`.
pub async fn scopes(vault: &Vault, args: &ScopesArgs) -> anyhow::Result<ExitCode> {
    let s = Config::load()?.scopes;
    match &args.what {
        ScopesCommand::Policy { action } => {
            // The personal policy, and one per project the server has.
            let policies = scopes::generated_policies(vault, &s).await?;
            let mut differ = false;
            for (name, hcl) in &policies {
                match action.as_str() {
                    "apply" => {
                        scopes::put_policy(vault, name, hcl).await?;
                        crate::errln!("sesame: wrote policy {name}");
                    }
                    "diff" => {
                        let current = crate::vault::policy::read_policy(vault, name).await?;
                        if current.as_deref().map(str::trim) != Some(hcl.trim()) {
                            differ = true;
                            crate::outln!(
                                "{}",
                                crate::vault::policy::diff(name, current.as_deref(), hcl).trim_end()
                            );
                        }
                    }
                    _ => {
                        crate::outln!("# policy {name}");
                        crate::outln!("{}", hcl.trim_end());
                        crate::outln!("");
                    }
                }
            }
            if action == "diff" {
                if !differ {
                    crate::errln!(
                        "sesame: the server holds the {} scope policies as generated",
                        policies.len()
                    );
                }
                return Ok(ExitCode::from(u8::from(differ)));
            }
        }
        ScopesCommand::Project { action, name, members } => {
            if action == "remove" {
                scopes::remove_project(vault, name).await?;
                crate::errln!("sesame: removed project {name}'s group and policy (its secrets stay)");
            } else {
                let ids = scopes::set_project(vault, &s, name, members).await?;
                crate::errln!(
                    "sesame: project {name}: policy and group {PROJECT_PREFIX}{name}, {} member(s): {}",
                    ids.len(),
                    members.join(", ")
                );
            }
        }
        ScopesCommand::Share { path, project, copy } => {
            let user = scopes::username(vault, &s)
                .await?
                .ok_or_else(|| anyhow::anyhow!("this token has no login name: no personal folder"))?;
            let dst = scopes::share(vault, &s, &user, path, project, *copy).await?;
            let who = scopes::members(vault, project)
                .await
                .map(|m| format!("readable by the members of {project}: {}", m.join(", ")))
                .unwrap_or_else(|_| format!("readable by the members of {project}"));
            crate::errln!("sesame: {} {path} to {dst}, {who}", if *copy { "copied" } else { "moved" });
        }
        ScopesCommand::Unshare { path } => {
            let user = scopes::username(vault, &s)
                .await?
                .ok_or_else(|| anyhow::anyhow!("this token has no login name: no personal folder"))?;
            let dst = scopes::unshare(vault, &s, &user, path).await?;
            crate::errln!("sesame: moved {path} to {dst}: only you can read it now");
        }
        ScopesCommand::Whoami => {
            let user = scopes::username(vault, &s).await?;
            match &user {
                Some(u) => {
                    crate::outln!("user      {u}");
                    crate::outln!("personal  {}", s.personal_for(u));
                }
                None => crate::outln!("user      (this token has no login name: no personal folder)"),
            }
            let (mount, root) = vault.locate(&s.projects).await?;
            let projects: Vec<String> = vault
                .list(&mount, root.trim_matches('/'))
                .await
                .map(|entries| entries.into_iter().filter(|e| e.is_folder).map(|e| e.name).collect())
                .unwrap_or_default();
            let mut mine = Vec::new();
            for p in projects {
                let folder = format!("{}/{p}", root.trim_matches('/'));
                if vault.list(&mount, folder.trim_start_matches('/')).await.is_ok() {
                    mine.push(p);
                }
            }
            crate::outln!("projects  {}", if mine.is_empty() { "-".to_string() } else { mine.join(", ") });
        }
    }
    Ok(ExitCode::SUCCESS)
}
