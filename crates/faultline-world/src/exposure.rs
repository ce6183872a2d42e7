//! The exposure network of a world at a moment: each protocol's assets and liabilities
//! outside the network, and who holds claims on whom — a protocol holding an asset another
//! protocol issues (a lending market holding a CDP's stablecoin as collateral). Written at
//! the start and the end of a run, readable by `faultline contagion` (Eisenberg–Noe,
//! DebtRank, the static Contagion Index).
//!
//! Values are in dollars: assets at the world's reference prices, an issued stablecoin at
//! par (the nominal claim on its issuer).

use crate::cdp::Cdp;
use crate::lending::Lending;
use crate::perp::Perp;
use crate::world::{Protocol, World};
use crate::WorldError;
use faultline_math::aave::RAY;
use faultline_units::{mul_div_wide, Amount, AssetId, Price, Rounding};
use serde::Serialize;

/// One protocol's balance sheet outside the network.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Node {
    /// Protocol.
    pub name: String,
    /// Assets that are not claims on another protocol, dollars.
    pub external_assets: f64,
    /// What it owes outside the network (depositors, traders, holders), dollars.
    pub external_liabilities: f64,
}

/// `debtor` owes `creditor` `amount` dollars.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Claim {
    /// The issuer.
    pub debtor: String,
    /// The holder.
    pub creditor: String,
    /// Nominal amount, dollars.
    pub amount: f64,
    /// What the claim is.
    pub what: String,
}

/// The network at one tick.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Network {
    /// Tick.
    pub tick: u64,
    /// Protocols.
    pub nodes: Vec<Node>,
    /// Claims between them.
    pub claims: Vec<Claim>,
}

impl World {
    /// The issuer (protocol index) of every asset a CDP or an algorithmic issuer issues.
    fn issuers(&self) -> Vec<Option<usize>> {
        let mut out = vec![None; self.spec().assets.len()];
        for (p, proto) in self.protocols.iter().enumerate() {
            if let Some(asset) = proto.stablecoin() {
                out[asset.index()] = Some(p);
            }
        }
        out
    }

    fn dollars(&self, a: Amount) -> Result<f64, WorldError> {
        let d = self.spec().assets[a.asset().index()].decimals;
        Ok(a.value(self.reference(a.asset()), d, Rounding::Floor)?
            .to_f64())
    }

    fn par(&self, a: Amount) -> Result<f64, WorldError> {
        let d = self.spec().assets[a.asset().index()].decimals;
        Ok(a.value(Price::from_atoms(100_000_000), d, Rounding::Floor)?
            .to_f64())
    }

    /// The exposure network now.
    pub fn network(&self) -> Result<Network, WorldError> {
        let issuers = self.issuers();
        let names: Vec<String> = self
            .protocols
            .iter()
            .map(|p| p.name().to_string())
            .collect();
        let mut nodes = Vec::new();
        let mut claims = Vec::new();
        for (p, proto) in self.protocols.iter().enumerate() {
            // Assets held, split into claims on issuers and the rest.
            let mut held: Vec<(AssetId, i128)> = Vec::new();
            let (assets_in_books, liabilities) = match proto {
                Protocol::Lending(m) => self.lending_sheet(m, &mut held)?,
                Protocol::Perp(v) => self.perp_sheet(v, &mut held)?,
                Protocol::Cdp(c) => self.cdp_sheet(c, &mut held)?,
                // Its backing is share it has yet to mint: nothing held.
                Protocol::Issuer(_) => (0.0, 0.0),
                Protocol::Vault(v) => {
                    for a in [v.spec.cash, v.spec.underlying] {
                        held.push((a, self.ledger.balance(v.wallet, a).atoms()));
                    }
                    (0.0, v.liability()?.to_f64())
                }
            };
            let mut external = assets_in_books;
            for (asset, atoms) in held {
                let amount = Amount::new(asset, atoms);
                match issuers[asset.index()] {
                    Some(i) if i != p => claims.push(Claim {
                        debtor: names[i].clone(),
                        creditor: names[p].clone(),
                        amount: self.par(amount)?,
                        what: format!("{} held by {}", self.ledger.symbol(asset), names[p]),
                    }),
                    Some(_) => {}
                    None => external += self.dollars(amount)?,
                }
            }
            nodes.push(Node {
                name: names[p].clone(),
                external_assets: external,
                external_liabilities: liabilities,
            });
        }
        self.deposit_claims(&names, &mut claims)?;
        // An issuer owes its stablecoin's holders: the part other protocols hold is a
        // claim above; the rest is owed outside.
        for (p, proto) in self.protocols.iter().enumerate() {
            if let Some(asset) = proto.stablecoin() {
                let supply = self.par(Amount::new(asset, self.ledger.supply(asset).expected()))?;
                let inside: f64 = claims
                    .iter()
                    .filter(|k| k.debtor == names[p])
                    .map(|k| k.amount)
                    .sum();
                nodes[p].external_liabilities = (supply - inside).max(0.0);
            }
        }
        Ok(Network {
            tick: self.tick(),
            nodes,
            claims,
        })
    }

    /// Deposits other protocols hold in lending markets: claims on the market.
    fn deposit_claims(&self, names: &[String], claims: &mut Vec<Claim>) -> Result<(), WorldError> {
        let owner = |h: crate::ledger::HolderId| {
            self.protocols.iter().position(|p| match p {
                Protocol::Vault(v) => v.wallet == h,
                Protocol::Perp(v) => v.treasury == h,
                _ => false,
            })
        };
        for (m, proto) in self.protocols.iter().enumerate() {
            let Protocol::Lending(l) = proto else {
                continue;
            };
            for a in l.accounts() {
                let Some(c) = owner(a.holder) else { continue };
                let asset = l.spec.reserves[a.reserve].asset;
                let atoms = l.claim_of(a.holder, a.reserve)?;
                if atoms > 0 {
                    claims.push(Claim {
                        debtor: names[m].clone(),
                        creditor: names[c].clone(),
                        amount: self.dollars(Amount::new(asset, atoms))?,
                        what: format!("{} deposited in {}", self.ledger.symbol(asset), names[m]),
                    });
                }
            }
        }
        Ok(())
    }

    /// A lending market: loans are assets; suppliers' claims (depositors' and borrowers'
    /// collateral) are liabilities, those of other protocols' deposits as claims; the
    /// contract's tokens are held assets.
    fn lending_sheet(
        &self,
        m: &Lending,
        held: &mut Vec<(AssetId, i128)>,
    ) -> Result<(f64, f64), WorldError> {
        let (mut loans, mut owed) = (0.0, 0.0);
        for (i, r) in m.spec.reserves.iter().enumerate() {
            loans += self.dollars(Amount::new(r.asset, m.total_debt(i)?))?;
            let st = &m.reserves[i];
            let claims = mul_div_wide(
                st.supply_scaled - st.treasury_scaled - m.accounts_scaled(i),
                st.liquidity_index,
                RAY,
                Rounding::Ceil,
            )?;
            owed += self.dollars(Amount::new(r.asset, claims))?;
            held.push((r.asset, self.ledger.balance(m.holder, r.asset).atoms()));
        }
        Ok((loans, owed))
    }

    /// A perp venue: its contract's collateral is held; everything but the insurance fund
    /// is owed to traders and its liquidity provider.
    fn perp_sheet(
        &self,
        v: &Perp,
        held: &mut Vec<(AssetId, i128)>,
    ) -> Result<(f64, f64), WorldError> {
        let balance = self.ledger.balance(v.holder, v.spec.collateral);
        held.push((balance.asset(), balance.atoms()));
        let fund = v.sim.venue().ledger.insurance_fund.to_f64();
        Ok((0.0, (self.dollars(balance)? - fund).max(0.0)))
    }

    /// A CDP: collateral in vaults and auctions is held; its liabilities are set from its
    /// stablecoin's supply afterwards.
    fn cdp_sheet(
        &self,
        c: &Cdp,
        held: &mut Vec<(AssetId, i128)>,
    ) -> Result<(f64, f64), WorldError> {
        for ilk in &c.spec.ilks {
            if held.iter().any(|(a, _)| *a == ilk.asset) {
                continue;
            }
            let atoms = self.ledger.balance(c.vat, ilk.asset).atoms()
                + self.ledger.balance(c.clipper, ilk.asset).atoms();
            held.push((ilk.asset, atoms));
        }
        Ok((0.0, 0.0))
    }
}
