//! `slogate system`: what makes measurements noisy on this machine, and a short A/A probe of it.

use slogate::results::Noise;
use std::process::ExitCode;
use std::time::Duration;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// How long the A/A probe runs (`0s` skips it).
    #[arg(long, default_value = "5s", value_parser = parse_duration_arg)]
    pub duration: Duration,
    /// Print the findings and the probe figure as JSON (the results file's `meta.noise`).
    #[arg(long)]
    pub json: bool,
}

fn parse_duration_arg(text: &str) -> Result<Duration, String> {
    slogate::units::parse_duration(text).ok_or_else(|| {
        format!(
            "`{text}` is not a duration such as {}",
            slogate::units::DURATION_FORMS
        )
    })
}

pub fn exec(args: Args) -> anyhow::Result<ExitCode> {
    let findings = slogate::system::findings();
    let probe = if args.duration.is_zero() {
        None
    } else {
        Some(slogate::system::probe(args.duration)?)
    };
    if args.json {
        let noise = Noise {
            probe_cv: probe.as_ref().map(|p| p.cv),
            supported_threshold: probe.as_ref().map(|p| p.supported_threshold),
            load_average: slogate::system::load_average(),
            findings,
        };
        println!("{}", serde_json::to_string_pretty(&noise)?);
    } else {
        for f in &findings {
            println!("- {f}");
        }
        match &probe {
            Some(p) => println!("- {p}"),
            None => println!("- A/A probe: skipped"),
        }
    }
    Ok(ExitCode::SUCCESS)
}
