//! World files: lending markets — reserves, the close-factor rule, and borrower
//! populations drawn from ranges or listed from a file of real debts.

use super::{atoms, ppm, ray, Names, Resolver};
use crate::schema::world::{BorrowersFile, ColumnFile, FundFile, ReserveFile};
use faultline_math::aave::{CloseFactor, RateCurveRay};
use faultline_units::AssetId;
use faultline_world::lending::{
    BorrowerPopulation, FundHolding, LendingSpec, RepayRule, ReserveSpec, RunSpec,
};
use faultline_world::spec::{AssetSpec, ChainId, OracleId, OracleSpec, VenueId, VenueSpec};

/// A `[[protocol]]` of kind `lending`, borrowed.
pub(super) struct LendingFile<'a> {
    pub name: &'a str,
    pub chain: &'a str,
    pub liquidation_protocol_fee: f64,
    pub close_factor: Option<f64>,
    pub reserve: &'a [ReserveFile],
    pub borrowers: &'a [BorrowersFile],
    pub reserve_fund: &'a [FundFile],
}

impl Resolver<'_> {
    /// Resolve a lending market: its reserves, then its borrower populations.
    pub(super) fn lending(
        &mut self,
        i: usize,
        l: &LendingFile<'_>,
        n: &Names<'_>,
        ospecs: &[OracleSpec],
        aspecs: &[AssetSpec],
        vspecs: &[VenueSpec],
    ) -> LendingSpec {
        let chain = self
            .chain_of(
                format!("protocol[{i}].chain"),
                Some(&l.chain.to_string()),
                n.chains,
            )
            .unwrap_or(ChainId(0));
        let reserves: Vec<ReserveSpec> = l
            .reserve
            .iter()
            .enumerate()
            .map(|(k, r)| self.reserve_spec(i, k, l.reserve, r, n, ospecs, aspecs))
            .collect();
        let listed: Vec<&str> = l.reserve.iter().map(|r| r.asset.as_str()).collect();
        let borrowers = l
            .borrowers
            .iter()
            .enumerate()
            .map(|(k, b)| {
                let mut pop = self.borrowers(i, k, b, &listed, &reserves);
                pop.repay = b.repay.as_ref().map(|r| RepayRule {
                    above_rate: ray(r.above_rate),
                    route: r
                        .route
                        .iter()
                        .enumerate()
                        .filter_map(|(j, v)| {
                            let at = format!("protocol[{i}].borrowers[{k}].repay.route[{j}]");
                            self.find(at, "venue", v, n.venues)
                                .map(|v| VenueId(u16::try_from(v).unwrap_or(0)))
                        })
                        .collect(),
                });
                pop
            })
            .collect();
        LendingSpec {
            name: l.name.to_string(),
            chain,
            reserves,
            borrowers,
            liquidation_protocol_fee: ppm(l.liquidation_protocol_fee),
            close_factor: l
                .close_factor
                .map_or(CloseFactor::AaveV33, |f| CloseFactor::Fixed(ppm(f))),
            reserve_fund: self.fund(i, l.reserve_fund, n, aspecs, vspecs),
        }
    }

    /// A reserve fund: each holding's pool trades it.
    fn fund(
        &mut self,
        i: usize,
        holdings: &[FundFile],
        n: &Names<'_>,
        aspecs: &[AssetSpec],
        vspecs: &[VenueSpec],
    ) -> Vec<FundHolding> {
        let mut out = Vec::new();
        for (k, h) in holdings.iter().enumerate() {
            let at = format!("protocol[{i}].reserve_fund[{k}]");
            let Some(a) = self.find(format!("{at}.asset"), "asset", &h.asset, n.assets) else {
                continue;
            };
            let sell_on = h.sell_on.as_ref().and_then(|v| {
                let x = self.find(format!("{at}.sell_on"), "venue", v, n.venues)?;
                let vs = &vspecs[x];
                if vs.base.index() != a && vs.quote.index() != a {
                    self.push(
                        format!("{at}.sell_on"),
                        &format!("a pool trading {}", h.asset),
                        &format!("\"{v}\""),
                        "the fund sells this holding there for the asset in deficit",
                    );
                }
                Some(VenueId(u16::try_from(x).unwrap_or(0)))
            });
            out.push(FundHolding {
                asset: AssetId(u16::try_from(a).unwrap_or(0)),
                amount: atoms(h.amount, aspecs[a].decimals),
                sell_on,
            });
        }
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn reserve_spec(
        &mut self,
        i: usize,
        k: usize,
        all: &[ReserveFile],
        r: &ReserveFile,
        n: &Names<'_>,
        ospecs: &[OracleSpec],
        aspecs: &[AssetSpec],
    ) -> ReserveSpec {
        let at = format!("protocol[{i}].reserve[{k}]");
        if all[..k].iter().any(|o| o.asset == r.asset) {
            self.push(
                format!("{at}.asset"),
                "one reserve per asset",
                &format!("\"{}\" again", r.asset),
                "a market lists each asset once",
            );
        }
        let a = self
            .find(format!("{at}.asset"), "asset", &r.asset, n.assets)
            .unwrap_or(0);
        let o = self.find(format!("{at}.oracle"), "oracle", &r.oracle, n.oracles);
        if o.and_then(|o| ospecs.get(o))
            .is_some_and(|os| os.asset.index() != a)
        {
            self.push(
                format!("{at}.oracle"),
                &format!("an oracle pricing {}", r.asset),
                &format!("\"{}\"", r.oracle),
                "each reserve reads the oracle of its own asset",
            );
        }
        if r.collateral
            && !(r.ltv <= r.liquidation_threshold
                && r.liquidation_threshold * (1.0 + r.liquidation_bonus) < 1.0
                && r.liquidation_threshold > 0.0)
        {
            self.push(
                format!("{at}.liquidation_threshold"),
                "0 < ltv ≤ liquidation_threshold and threshold × (1 + bonus) < 1",
                &format!(
                    "ltv {}, threshold {}, bonus {}",
                    r.ltv, r.liquidation_threshold, r.liquidation_bonus
                ),
                "Aave requires the bonus to fit inside the threshold's margin",
            );
        }
        if r.run.is_some() && r.supplied <= 0.0 {
            self.push(
                format!("{at}.run"),
                "a reserve with depositors (`supplied` > 0)",
                "no supply",
                "only depositors run: supply the reserve or drop `run`",
            );
        }
        if !r.collateral && !r.borrowable {
            self.push(
                format!("{at}.borrowable"),
                "a reserve that is collateral, borrowable or both",
                "neither",
                "set `collateral = true` or `borrowable = true`",
            );
        }
        if let Some(cap) = r.supply_cap.filter(|&c| c < r.supplied) {
            self.push(
                format!("{at}.supply_cap"),
                &format!("at least what depositors supply ({})", r.supplied),
                &format!("{cap}"),
                "raise the cap or supply less: the contract would refuse the deposits",
            );
        }
        let decimals = aspecs.get(a).map_or(18, |s| s.decimals);
        ReserveSpec {
            asset: AssetId(u16::try_from(a).unwrap_or(0)),
            decimals,
            oracle: OracleId(u16::try_from(o.unwrap_or(0)).unwrap_or(0)),
            ltv: ppm(r.ltv),
            liquidation_threshold: ppm(r.liquidation_threshold),
            liquidation_bonus: ppm(1.0 + r.liquidation_bonus),
            collateral: r.collateral,
            borrowable: r.borrowable,
            supplied: atoms(r.supplied, decimals),
            rate: RateCurveRay {
                base: ray(r.rate.base),
                slope1: ray(r.rate.slope1),
                slope2: ray(r.rate.slope2),
                optimal_utilization: ray(r.rate.optimal_utilization),
            },
            reserve_factor: ppm(r.reserve_factor),
            run: r.run.as_ref().map(|run| RunSpec {
                holders: run.holders,
                base: run.base,
                herd: run.herd,
                utilization_trigger: ppm(run.utilization_trigger.unwrap_or(0.99)),
            }),
            supply_cap: r.supply_cap.map(|c| atoms(c, decimals)),
            borrow_cap: r.borrow_cap.map(|c| atoms(c, decimals)),
        }
    }

    /// A borrower population: collateral shares over collateral reserves summing to 1, a
    /// borrowable debt reserve, a healthy start, and either a count with a value range
    /// or a file of debts.
    fn borrowers(
        &mut self,
        i: usize,
        k: usize,
        b: &BorrowersFile,
        listed: &[&str],
        reserves: &[ReserveSpec],
    ) -> BorrowerPopulation {
        let at = format!("protocol[{i}].borrowers[{k}]");
        let mut collateral = Vec::new();
        let mut total = 0.0;
        for (j, s) in b.collateral.iter().enumerate() {
            let field = format!("{at}.collateral[{j}].asset");
            if let Some(r) = self.find(field.clone(), "reserve of this market", &s.asset, listed) {
                if !reserves[r].collateral {
                    self.push(
                        field,
                        "a reserve with `collateral = true`",
                        &format!("\"{}\"", s.asset),
                        "enable it as collateral or post another asset",
                    );
                }
                collateral.push((r, ppm(s.share)));
            }
            total += s.share;
        }
        if (total - 1.0).abs() > 1e-9 {
            self.push(
                format!("{at}.collateral"),
                "shares summing to 1",
                &format!("{total:.6}"),
                "adjust the shares",
            );
        }
        let debt = self.find(
            format!("{at}.debt"),
            "reserve of this market",
            &b.debt,
            listed,
        );
        if debt
            .and_then(|d| reserves.get(d))
            .is_some_and(|r| !r.borrowable)
        {
            self.push(
                format!("{at}.debt"),
                "a reserve with `borrowable = true`",
                &format!("\"{}\"", b.debt),
                "enable borrowing on it",
            );
        }
        let [h0, h1] = b.health_factor;
        if !(h0 > 1.0 && h0 <= h1) {
            self.push(
                format!("{at}.health_factor"),
                "[low, high] with 1 < low ≤ high",
                &format!("[{h0}, {h1}]"),
                "borrowers start healthy: raise the lower bound above 1",
            );
        }
        let decimals = debt
            .and_then(|d| reserves.get(d))
            .map_or(18, |r| r.decimals);
        let (count, value, debts) = self.sizes(&at, b, decimals);
        BorrowerPopulation {
            count,
            collateral,
            debt: debt.unwrap_or(0),
            collateral_value: value,
            health_factor: (h0, h1),
            debts,
            repay: None,
        }
    }

    /// `count` and `collateral_value_usd`, or `debts` from a file (atoms of the debt
    /// asset), never both.
    fn sizes(&mut self, at: &str, b: &BorrowersFile, decimals: u8) -> (u32, (f64, f64), Vec<i128>) {
        match (&b.debts, b.count, b.collateral_value_usd) {
            (Some(file), None, None) => {
                let debts = self.debts(&format!("{at}.debts"), file, decimals);
                (
                    u32::try_from(debts.len()).unwrap_or(u32::MAX),
                    (1.0, 1.0),
                    debts,
                )
            }
            (None, Some(count), Some([v0, v1])) => {
                if !(v0 > 0.0 && v0 <= v1) {
                    self.push(
                        format!("{at}.collateral_value_usd"),
                        "[low, high] with 0 < low ≤ high",
                        &format!("[{v0}, {v1}]"),
                        "order the bounds",
                    );
                }
                (count, (v0, v1), Vec::new())
            }
            (Some(_), _, _) => {
                self.push(
                    format!("{at}.debts"),
                    "`debts` alone, or `count` with `collateral_value_usd`",
                    "`debts` with `count` or `collateral_value_usd`",
                    "a file of debts gives one borrower per row and sizes them: drop `count` and `collateral_value_usd`",
                );
                (0, (1.0, 1.0), Vec::new())
            }
            (None, _, _) => {
                self.push(
                    format!("{at}.count"),
                    "`count` with `collateral_value_usd`, or `debts`",
                    "one of them missing",
                    "draw borrowers (`count`, `collateral_value_usd`) or list them (`debts = { file, column }`)",
                );
                (0, (1.0, 1.0), Vec::new())
            }
        }
    }

    /// The column of debts in atoms, every row a positive number.
    fn debts(&mut self, field: &str, f: &ColumnFile, decimals: u8) -> Vec<i128> {
        let path = self.dir.join(&f.file);
        match crate::columns::read_positive_atoms(&path, &f.column, decimals) {
            Ok(v) => v,
            Err(e) => {
                self.push(
                    format!("{field}.file"),
                    "a CSV file with a header row and that column, every row a positive number",
                    &e,
                    "the path is relative to the world file",
                );
                Vec::new()
            }
        }
    }
}
