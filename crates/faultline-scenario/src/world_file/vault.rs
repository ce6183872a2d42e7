//! World files: options vaults.

use super::{atoms, ppm, Names, Resolver};
use crate::schema::world::ProtocolFile;
use crate::schema::world::{LendFile, OptionFile};
use faultline_math::options::OptionKind;
use faultline_units::AssetId;
use faultline_world::spec::{
    AssetSpec, ChainId, OracleId, OracleSpec, PriceOrigin, ProtocolId, ProtocolSpec, VenueId,
    VenueSpec,
};
use faultline_world::vault::VaultSpec;

/// A `[[protocol]]` of kind `options_vault`, borrowed.
pub(super) struct VaultFile<'a> {
    pub name: &'a str,
    pub chain: &'a str,
    pub option: OptionFile,
    pub underlying: &'a str,
    pub oracle: &'a str,
    pub cash: &'a str,
    pub deposits: f64,
    pub otm: f64,
    pub expiry_s: u64,
    pub implied_vol: f64,
    pub max_implied_vol: f64,
    pub collateral_ratio: f64,
    pub margin_shock: f64,
    pub lend: Option<&'a LendFile>,
    pub sell_on: Option<&'a str>,
}

fn id(i: Option<usize>) -> u16 {
    u16::try_from(i.unwrap_or(0)).unwrap_or(0)
}

impl Resolver<'_> {
    /// An options vault: its oracle prices the underlying, its cash is a pegged asset,
    /// its pool sells the underlying for cash, and an epoch lasts at least a tick.
    pub(super) fn vault(
        &mut self,
        i: usize,
        f: &VaultFile<'_>,
        n: &Names<'_>,
        ospecs: &[OracleSpec],
        aspecs: &[AssetSpec],
        vspecs: &[VenueSpec],
    ) -> VaultSpec {
        let at = format!("protocol[{i}]");
        let chain = self.find(format!("{at}.chain"), "chain", f.chain, n.chains);
        let under = self.find(format!("{at}.underlying"), "asset", f.underlying, n.assets);
        let cash = self.find(format!("{at}.cash"), "asset", f.cash, n.assets);
        let oracle = self.find(format!("{at}.oracle"), "oracle", f.oracle, n.oracles);
        if let (Some(o), Some(u)) = (oracle, under) {
            if ospecs[o].asset.index() != u {
                self.push(
                    format!("{at}.oracle"),
                    &format!("an oracle pricing {}", f.underlying),
                    &format!("\"{}\"", f.oracle),
                    "the vault strikes, marks and settles at its underlying's oracle",
                );
            }
        }
        if let Some(c) = cash.filter(|&c| !matches!(aspecs[c].price, PriceOrigin::Peg(_))) {
            self.push(
                format!("{at}.cash"),
                "an asset priced `peg` (a dollar stablecoin)",
                &format!("\"{}\"", aspecs[c].name),
                "premiums and settlements are paid in a pegged cash asset",
            );
        }
        let sell_on = f.sell_on.and_then(|v| {
            let k = self.find(format!("{at}.sell_on"), "venue", v, n.venues)?;
            let vs = &vspecs[k];
            if Some(vs.base.index()) != under || Some(vs.quote.index()) != cash {
                self.push(
                    format!("{at}.sell_on"),
                    &format!("a pool of {} against {}", f.underlying, f.cash),
                    &format!("\"{v}\""),
                    "the vault sells its underlying there for cash",
                );
            }
            Some(VenueId(id(Some(k))))
        });
        let lend = f.lend.and_then(|l| {
            if matches!(f.option, OptionFile::Call) {
                self.push(
                    format!("{at}.lend"),
                    "no `lend` on a call vault",
                    "a lending share",
                    "a call vault holds its underlying; only put vaults keep idle cash to lend",
                );
            }
            let p = self.find(
                format!("{at}.lend.protocol"),
                "protocol",
                &l.protocol,
                n.protocols,
            )?;
            Some((ProtocolId(id(Some(p))), ppm(l.share)))
        });
        let epoch_ticks = f.expiry_s * 1_000 / self.tick_ms.max(1);
        if epoch_ticks == 0 {
            self.push(
                format!("{at}.expiry_s"),
                &format!("at least one tick ({} ms)", self.tick_ms),
                &format!("{} s", f.expiry_s),
                "lengthen the epoch",
            );
        }
        let decimals = |a: Option<usize>| a.map_or(18, |a| aspecs[a].decimals);
        let collateral = match f.option {
            OptionFile::Put => cash,
            OptionFile::Call => under,
        };
        VaultSpec {
            name: f.name.to_string(),
            chain: ChainId(id(chain)),
            kind: match f.option {
                OptionFile::Put => OptionKind::Put,
                OptionFile::Call => OptionKind::Call,
            },
            underlying: AssetId(id(under)),
            underlying_decimals: decimals(under),
            oracle: OracleId(id(oracle)),
            cash: AssetId(id(cash)),
            cash_decimals: decimals(cash),
            deposits: atoms(f.deposits, decimals(collateral)),
            otm: f.otm,
            epoch_ticks: epoch_ticks.max(1),
            tick_s: self.tick_ms as f64 / 1_000.0,
            implied_vol: f.implied_vol,
            max_implied_vol: f.max_implied_vol,
            collateral_ratio: f.collateral_ratio,
            margin_shock: f.margin_shock,
            lend,
            sell_on,
        }
    }

    /// Once every protocol is resolved: a vault or a perp venue's treasury deposits only
    /// in a lending market that lists the asset deposited.
    pub(super) fn vault_links(&mut self, pspecs: &[ProtocolSpec], aspecs: &[AssetSpec]) {
        for (i, p) in pspecs.iter().enumerate() {
            let (q, asset, field) = match p {
                ProtocolSpec::Vault(v) => match v.lend {
                    Some((q, _)) => (q, v.cash, "lend.protocol"),
                    None => continue,
                },
                ProtocolSpec::Perp(v) => match v.refill.and_then(|r| r.lend) {
                    Some((q, _)) => (q, v.collateral, "refill.lend.protocol"),
                    None => continue,
                },
                _ => continue,
            };
            let ok = match pspecs.get(q.index()) {
                Some(ProtocolSpec::Lending(l)) => l.reserves.iter().any(|r| r.asset == asset),
                _ => false,
            };
            if !ok {
                self.push(
                    format!("protocol[{i}].{field}"),
                    &format!("a lending market listing {}", aspecs[asset.index()].name),
                    &format!("\"{}\"", pspecs.get(q.index()).map_or("?", |p| p.name())),
                    "the deposit goes into that market's reserve of the asset",
                );
            }
        }
    }

    /// A `[[protocol]]` of kind `options_vault`.
    pub(super) fn vault_protocol(
        &mut self,
        i: usize,
        p: &ProtocolFile,
        n: &Names<'_>,
        ospecs: &[OracleSpec],
        aspecs: &[AssetSpec],
        vspecs: &[VenueSpec],
    ) -> Option<ProtocolSpec> {
        let ProtocolFile::OptionsVault {
            name,
            chain,
            option,
            underlying,
            oracle,
            cash,
            deposits,
            otm,
            expiry_s,
            implied_vol,
            max_implied_vol,
            collateral_ratio,
            margin_shock,
            lend,
            sell_on,
        } = p
        else {
            return None;
        };
        let f = VaultFile {
            name,
            chain,
            option: *option,
            underlying,
            oracle,
            cash,
            deposits: *deposits,
            otm: *otm,
            expiry_s: *expiry_s,
            implied_vol: *implied_vol,
            max_implied_vol: *max_implied_vol,
            collateral_ratio: *collateral_ratio,
            margin_shock: *margin_shock,
            lend: lend.as_ref(),
            sell_on: sell_on.as_deref(),
        };
        Some(ProtocolSpec::Vault(
            self.vault(i, &f, n, ospecs, aspecs, vspecs),
        ))
    }
}
