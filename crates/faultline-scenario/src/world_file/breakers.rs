//! World files: circuit breakers — each name resolved, each protocol of the kind its
//! signal or action needs.

use super::{ppm, Names, Resolver};
use crate::schema::world::{ActionFile, BreakerFile, SignalFile};
use faultline_units::{AssetId, Price, Value};
use faultline_world::breaker::{Action, BreakerSpec, Signal};
use faultline_world::spec::{OracleId, ProtocolId, ProtocolSpec};

fn id(i: usize) -> u16 {
    u16::try_from(i).unwrap_or(0)
}

/// The protocol kinds a breaker may name, for messages.
#[derive(Clone, Copy)]
enum Kind {
    Lending,
    Cdp,
    Vault,
    Perp,
}

impl Kind {
    fn matches(self, p: &ProtocolSpec) -> bool {
        matches!(
            (self, p),
            (Kind::Lending, ProtocolSpec::Lending(_))
                | (Kind::Cdp, ProtocolSpec::Cdp(_))
                | (Kind::Vault, ProtocolSpec::Vault(_))
                | (Kind::Perp, ProtocolSpec::Perp(_))
        )
    }
    fn name(self) -> &'static str {
        match self {
            Kind::Lending => "lending",
            Kind::Cdp => "cdp",
            Kind::Vault => "options_vault",
            Kind::Perp => "perp",
        }
    }
}

impl Resolver<'_> {
    /// Every `[[breaker]]`.
    pub(super) fn breakers(&mut self, n: &Names<'_>, pspecs: &[ProtocolSpec]) -> Vec<BreakerSpec> {
        let f = self.f;
        f.breaker
            .iter()
            .enumerate()
            .filter_map(|(i, b)| self.breaker(i, b, n, pspecs))
            .collect()
    }

    fn breaker(
        &mut self,
        i: usize,
        b: &BreakerFile,
        n: &Names<'_>,
        pspecs: &[ProtocolSpec],
    ) -> Option<BreakerSpec> {
        let at = format!("breaker[{i}]");
        let when = self.signal(&at, &b.when, n, pspecs);
        let action = self.action(&at, &b.action, n, pspecs);
        Some(BreakerSpec {
            name: b.name.clone(),
            when: when?,
            action: action?,
        })
    }

    /// A protocol of the given kind.
    fn protocol_of(
        &mut self,
        path: String,
        name: &str,
        kind: Kind,
        n: &Names<'_>,
        pspecs: &[ProtocolSpec],
    ) -> Option<usize> {
        let p = self.find(path.clone(), "protocol", name, n.protocols)?;
        if !kind.matches(&pspecs[p]) {
            self.push(
                path,
                &format!("a protocol of kind `{}`", kind.name()),
                &format!("\"{name}\""),
                "this signal or action works on that kind of protocol only",
            );
            return None;
        }
        Some(p)
    }

    /// A lending market's reserve of `asset`.
    fn reserve_of(
        &mut self,
        at: &str,
        protocol: &str,
        asset: &str,
        n: &Names<'_>,
        pspecs: &[ProtocolSpec],
    ) -> Option<(usize, usize)> {
        let p = self.protocol_of(format!("{at}.protocol"), protocol, Kind::Lending, n, pspecs)?;
        let a = self.find(format!("{at}.asset"), "asset", asset, n.assets)?;
        let ProtocolSpec::Lending(l) = &pspecs[p] else {
            return None;
        };
        let Some(r) = l.reserves.iter().position(|r| r.asset.index() == a) else {
            self.push(
                format!("{at}.asset"),
                &format!("an asset {protocol} lists"),
                &format!("\"{asset}\""),
                "name one of the market's reserves",
            );
            return None;
        };
        Some((p, r))
    }

    fn signal(
        &mut self,
        at: &str,
        s: &SignalFile,
        n: &Names<'_>,
        pspecs: &[ProtocolSpec],
    ) -> Option<Signal> {
        let at = format!("{at}.when");
        let asset = |r: &mut Self, a: &str| {
            r.find(format!("{at}.asset"), "asset", a, n.assets)
                .map(|x| AssetId(id(x)))
        };
        Some(match s {
            SignalFile::PriceBelow { asset: a, usd } => Signal::PriceBelow {
                asset: asset(self, a)?,
                price: Price::from_f64(*usd).unwrap_or(Price::ZERO),
            },
            SignalFile::DrawdownAbove { asset: a, fraction } => Signal::DrawdownAbove {
                asset: asset(self, a)?,
                fraction: ppm(*fraction),
            },
            SignalFile::ShortfallAbove { protocol, usd } => {
                let p = self.find(format!("{at}.protocol"), "protocol", protocol, n.protocols)?;
                Signal::ShortfallAbove {
                    protocol: ProtocolId(id(p)),
                    usd: Value::from_f64(*usd).unwrap_or(Value::ZERO),
                }
            }
            SignalFile::UtilizationAbove {
                protocol,
                asset: a,
                level,
            } => {
                let (p, r) = self.reserve_of(&at, protocol, a, n, pspecs)?;
                Signal::UtilizationAbove {
                    protocol: ProtocolId(id(p)),
                    reserve: r,
                    level: ppm(*level),
                }
            }
            SignalFile::InsuranceFundBelow { protocol, share } => {
                let p =
                    self.protocol_of(format!("{at}.protocol"), protocol, Kind::Perp, n, pspecs)?;
                Signal::InsuranceFundBelow {
                    protocol: ProtocolId(id(p)),
                    share: ppm(*share),
                }
            }
        })
    }

    fn action(
        &mut self,
        at: &str,
        a: &ActionFile,
        n: &Names<'_>,
        pspecs: &[ProtocolSpec],
    ) -> Option<Action> {
        let at = format!("{at}.action");
        let path = format!("{at}.protocol");
        Some(match a {
            ActionFile::FixOracle { oracle, usd } => {
                let o = self.find(format!("{at}.oracle"), "oracle", oracle, n.oracles)?;
                Action::FixOracle {
                    oracle: OracleId(id(o)),
                    price: Price::from_f64(*usd).unwrap_or(Price::ZERO),
                }
            }
            ActionFile::PauseWithdrawals { protocol } => Action::PauseWithdrawals {
                protocol: ProtocolId(id(self.protocol_of(
                    path,
                    protocol,
                    Kind::Lending,
                    n,
                    pspecs,
                )?)),
            },
            ActionFile::PauseReserve { protocol, asset } => {
                let (p, r) = self.reserve_of(&at, protocol, asset, n, pspecs)?;
                Action::PauseReserve {
                    protocol: ProtocolId(id(p)),
                    reserve: r,
                }
            }
            ActionFile::StopAuctions { protocol } => Action::StopAuctions {
                protocol: ProtocolId(id(self.protocol_of(
                    path,
                    protocol,
                    Kind::Cdp,
                    n,
                    pspecs,
                )?)),
            },
            ActionFile::StopRefills { protocol } => Action::StopRefills {
                protocol: ProtocolId(id(self.protocol_of(
                    path,
                    protocol,
                    Kind::Perp,
                    n,
                    pspecs,
                )?)),
            },
            ActionFile::StopWriting { protocol } => Action::StopWriting {
                protocol: ProtocolId(id(self.protocol_of(
                    path,
                    protocol,
                    Kind::Vault,
                    n,
                    pspecs,
                )?)),
            },
        })
    }
}
