//! AMM pools in integer arithmetic, as the contracts compute them. A pool's reserves
//! are its holder's ledger balances: there is no second copy to drift.
//!
//! - Constant product: Uniswap v2 `UniswapV2Library.getAmountOut` / `getAmountIn`
//!   (`amountInWithFee = amountIn × (1 − fee)`, `out = amountInWithFee × reserveOut /
//!   (reserveIn + amountInWithFee)`, floored; the input for an exact output is rounded
//!   up and then one atom added, as the library does).
//! - Stableswap: Curve's two-coin `get_D` and `get_y` (StableSwap whitepaper, Egorov
//!   2019; the 3pool contract's integer Newton iterations with `Ann = A × n`), on balances
//!   normalized to 18 decimals and multiplied by a rate (the base coin's value in quote
//!   coins, e.g. 1.0 for two dollar coins, 1.18 for wstETH against ETH). The output is
//!   reduced by one atom and by the fee, as `exchange` does.
//!
//! All intermediate products are 256-bit (`ethnum::U256`), as in the contracts.

use crate::ledger::{HolderId, Ledger};
use ethnum::U256;
use faultline_units::{scale_of, ArithmeticError, AssetId, Price, PRICE_SCALE};

/// Fee denominator: fees are in parts per million.
const FEE_DEN: u128 = 1_000_000;
/// Stableswap works on balances normalized to this precision (Curve's `PRECISION`).
const NORM: u128 = 1_000_000_000_000_000_000;
const N: u128 = 2;

/// The pricing curve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Curve {
    /// `x · y = k`.
    ConstantProduct,
    /// Curve stableswap.
    StableSwap {
        /// The contract's `A` (`Ann = A × 2`).
        amplification: u64,
        /// Quote coins per base coin at the peg, 18 decimals (`10¹⁸` = 1:1).
        rate_e18: u128,
    },
}

/// A two-asset pool: static parameters; reserves live in the ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pool {
    /// The holder whose balances are the reserves.
    pub holder: HolderId,
    /// Asset sold for quote.
    pub base: AssetId,
    /// Asset prices are quoted in.
    pub quote: AssetId,
    /// Decimals of the base asset.
    pub base_decimals: u8,
    /// Decimals of the quote asset.
    pub quote_decimals: u8,
    /// Fee on the input, parts per million.
    pub fee_ppm: u32,
    /// Pricing curve.
    pub curve: Curve,
}

/// Which way an order goes through a pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Base in, quote out.
    SellBase,
    /// Quote in, base out.
    BuyBase,
}

fn u(x: i128) -> U256 {
    U256::from(u128::try_from(x.max(0)).unwrap_or(0))
}

#[track_caller]
fn back(x: U256) -> Result<i128, ArithmeticError> {
    i128::try_from(x).map_err(|_| ArithmeticError::new("pool amount"))
}

impl Pool {
    /// Reserves `(base, quote)` in atoms.
    pub fn reserves(&self, ledger: &Ledger) -> (i128, i128) {
        (
            ledger.balance(self.holder, self.base).atoms(),
            ledger.balance(self.holder, self.quote).atoms(),
        )
    }

    /// Atoms out for `amount_in` atoms in, in the given direction (0 when the pool
    /// cannot pay anything).
    pub fn amount_out(
        &self,
        ledger: &Ledger,
        dir: Direction,
        amount_in: i128,
    ) -> Result<i128, ArithmeticError> {
        if amount_in <= 0 {
            return Ok(0);
        }
        let (b, q) = self.reserves(ledger);
        let (r_in, r_out) = match dir {
            Direction::SellBase => (b, q),
            Direction::BuyBase => (q, b),
        };
        if r_in <= 0 || r_out <= 0 {
            return Ok(0);
        }
        match self.curve {
            Curve::ConstantProduct => {
                let with_fee = u(amount_in) * U256::from(FEE_DEN - u128::from(self.fee_ppm));
                let out = with_fee * u(r_out) / (u(r_in) * U256::from(FEE_DEN) + with_fee);
                back(out)
            }
            Curve::StableSwap { .. } => self.stable_out(dir, b, q, amount_in),
        }
    }

    /// Atoms in needed to receive `amount_out` atoms out (`None` when the pool does not
    /// hold that much). Constant product exactly as `getAmountIn`; stableswap by
    /// bisection on [`Pool::amount_out`] (monotone), the smallest input that is enough.
    pub fn amount_in(
        &self,
        ledger: &Ledger,
        dir: Direction,
        amount_out: i128,
    ) -> Result<Option<i128>, ArithmeticError> {
        let (b, q) = self.reserves(ledger);
        let (r_in, r_out) = match dir {
            Direction::SellBase => (b, q),
            Direction::BuyBase => (q, b),
        };
        if amount_out <= 0 {
            return Ok(Some(0));
        }
        if amount_out >= r_out || r_in <= 0 {
            return Ok(None);
        }
        match self.curve {
            Curve::ConstantProduct => {
                let n = u(r_in) * u(amount_out) * U256::from(FEE_DEN);
                let d = u(r_out - amount_out) * U256::from(FEE_DEN - u128::from(self.fee_ppm));
                Ok(Some(back(n / d + 1)?))
            }
            Curve::StableSwap { .. } => {
                let (mut lo, mut hi) = (0i128, r_in.max(1));
                while self.amount_out(ledger, dir, hi)? < amount_out {
                    hi = hi
                        .checked_mul(2)
                        .ok_or_else(|| ArithmeticError::new("pool input"))?;
                    if hi > r_in.saturating_mul(1_000_000) {
                        return Ok(None);
                    }
                }
                while hi - lo > 1 {
                    let mid = lo + (hi - lo) / 2;
                    if self.amount_out(ledger, dir, mid)? >= amount_out {
                        hi = mid;
                    } else {
                        lo = mid;
                    }
                }
                Ok(Some(hi))
            }
        }
    }

    /// Marginal price, quote units per base unit (8 decimals), before fees.
    pub fn mid(&self, ledger: &Ledger) -> Result<Price, ArithmeticError> {
        let (b, q) = self.reserves(ledger);
        self.mid_at(b, q)
    }

    /// The marginal price the pool would quote with reserves `(b, q)`.
    pub fn mid_at(&self, b: i128, q: i128) -> Result<Price, ArithmeticError> {
        if b <= 0 || q <= 0 {
            return Ok(Price::ZERO);
        }
        let sb = u(scale_of(self.base_decimals)?);
        let sq = u(scale_of(self.quote_decimals)?);
        let atoms = match self.curve {
            Curve::ConstantProduct => {
                u(q) * sb * U256::from(u128::try_from(PRICE_SCALE).unwrap_or(0)) / (u(b) * sq)
            }
            Curve::StableSwap { .. } => {
                // The slope of the invariant by a trade of a millionth of the base
                // reserve, with the fee taken back out.
                let h = (b / 1_000_000).max(1);
                let (xb, xq) = self.normalized(b, q)?;
                let out = match self.stable_raw_out(Direction::SellBase, xb, xq, self.norm_base(h)?)
                {
                    // The invariant cannot be computed (the contract would revert): quote
                    // the reserves' ratio, the curve's constant-product limit.
                    Err(e) if reverts(&e) => {
                        let ratio =
                            u(q) * sb * U256::from(u128::try_from(PRICE_SCALE).unwrap_or(0))
                                / (u(b) * sq);
                        let atoms =
                            i64::try_from(ratio).map_err(|_| ArithmeticError::new("pool price"))?;
                        return Ok(Price::from_atoms(atoms));
                    }
                    r => r?,
                };
                // `out` is normalized quote; `h` normalized base is `norm_base(h)`.
                let nb = self.norm_base(h)?;
                if nb == 0 {
                    U256::ZERO
                } else {
                    out * U256::from(u128::try_from(PRICE_SCALE).unwrap_or(0)) / nb
                        * U256::from(self.rate())
                        / U256::from(NORM)
                }
            }
        };
        let atoms = i64::try_from(atoms).map_err(|_| ArithmeticError::new("pool price"))?;
        Ok(Price::from_atoms(atoms))
    }

    fn rate(&self) -> u128 {
        match self.curve {
            Curve::StableSwap { rate_e18, .. } => rate_e18,
            Curve::ConstantProduct => NORM,
        }
    }

    /// Base atoms → normalized (18 decimals × rate).
    fn norm_base(&self, atoms: i128) -> Result<U256, ArithmeticError> {
        let s = u(scale_of(self.base_decimals)?);
        Ok(u(atoms) * U256::from(NORM) / s * U256::from(self.rate()) / U256::from(NORM))
    }

    fn norm_quote(&self, atoms: i128) -> Result<U256, ArithmeticError> {
        let s = u(scale_of(self.quote_decimals)?);
        Ok(u(atoms) * U256::from(NORM) / s)
    }

    fn normalized(&self, b: i128, q: i128) -> Result<(U256, U256), ArithmeticError> {
        Ok((self.norm_base(b)?, self.norm_quote(q)?))
    }

    /// Normalized output before the fee and the one-atom reduction.
    fn stable_raw_out(
        &self,
        dir: Direction,
        xb: U256,
        xq: U256,
        dx: U256,
    ) -> Result<U256, ArithmeticError> {
        let Curve::StableSwap { amplification, .. } = self.curve else {
            return Ok(U256::ZERO);
        };
        let amp = U256::from(u128::from(amplification));
        let (x_in, x_out) = match dir {
            Direction::SellBase => (xb, xq),
            Direction::BuyBase => (xq, xb),
        };
        let d = get_d(x_in, x_out, amp)?;
        let y = get_y(x_in + dx, d, amp)?;
        Ok(if x_out > y + 1 {
            x_out - y - 1
        } else {
            U256::ZERO
        })
    }

    fn stable_out(
        &self,
        dir: Direction,
        b: i128,
        q: i128,
        amount_in: i128,
    ) -> Result<i128, ArithmeticError> {
        let (xb, xq) = self.normalized(b, q)?;
        let dx = match dir {
            Direction::SellBase => self.norm_base(amount_in)?,
            Direction::BuyBase => self.norm_quote(amount_in)?,
        };
        // Where Curve's `get_D`/`get_y` would revert (a pool drained to near nothing on
        // one side), the swap reverts: nothing out.
        let dy = match self.stable_raw_out(dir, xb, xq, dx) {
            Err(e) if reverts(&e) => return Ok(0),
            r => r?,
        };
        let dy = dy - dy * U256::from(u128::from(self.fee_ppm)) / U256::from(FEE_DEN);
        // Back to atoms of the output coin, floored.
        let out = match dir {
            Direction::SellBase => dy * u(scale_of(self.quote_decimals)?) / U256::from(NORM),
            Direction::BuyBase => {
                dy * U256::from(NORM) / U256::from(self.rate()) * u(scale_of(self.base_decimals)?)
                    / U256::from(NORM)
            }
        };
        let r_out = match dir {
            Direction::SellBase => q,
            Direction::BuyBase => b,
        };
        Ok(back(out)?.min(r_out - 1).max(0))
    }
}

/// The stableswap math failed where the contract reverts (no convergence, an empty coin).
fn reverts(e: &ArithmeticError) -> bool {
    e.op.starts_with("stableswap")
}

/// `a × b`, or the error a reverting contract gives (Vyper checks every product).
fn mul(a: U256, b: U256) -> Result<U256, ArithmeticError> {
    a.checked_mul(b)
        .ok_or_else(|| ArithmeticError::new("stableswap overflow"))
}

/// Curve's `get_D` for two coins: the invariant by Newton's method.
fn get_d(x0: U256, x1: U256, amp: U256) -> Result<U256, ArithmeticError> {
    let s = x0 + x1;
    if s == 0 {
        return Ok(U256::ZERO);
    }
    let n = U256::from(N);
    let ann = mul(amp, n)?;
    let mut d = s;
    for _ in 0..255 {
        let mut d_p = d;
        for x in [x0, x1] {
            if x == 0 {
                return Err(ArithmeticError::new("stableswap empty coin"));
            }
            d_p = mul(d_p, d)? / mul(x, n)?;
        }
        let prev = d;
        let num = mul(mul(ann, s)? + mul(d_p, n)?, d)?;
        let den = mul(ann - 1, d)? + mul(n + 1, d_p)?;
        d = num / den;
        if d.abs_diff(prev) <= 1 {
            return Ok(d);
        }
    }
    Err(ArithmeticError::new("stableswap D did not converge"))
}

/// Curve's `get_y` for two coins: the other balance given one balance and `D`.
fn get_y(x: U256, d: U256, amp: U256) -> Result<U256, ArithmeticError> {
    let n = U256::from(N);
    let ann = mul(amp, n)?;
    if x == 0 {
        return Err(ArithmeticError::new("stableswap empty coin"));
    }
    let c = mul(mul(d, d)? / mul(x, n)?, d)? / mul(ann, n)?;
    let b = x + d / ann;
    let mut y = d;
    for _ in 0..255 {
        let prev = y;
        let den = mul(U256::from(2u32), y)? + b;
        if den <= d {
            return Err(ArithmeticError::new("stableswap y"));
        }
        y = (mul(y, y)? + c) / (den - d);
        if y.abs_diff(prev) <= 1 {
            return Ok(y);
        }
    }
    Err(ArithmeticError::new("stableswap y did not converge"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_units::Amount;

    const USDC: AssetId = AssetId(0);
    const ETH: AssetId = AssetId(1);

    fn world(curve: Curve, eth: i128, usdc: i128, fee_ppm: u32) -> (Ledger, Pool) {
        let mut l = Ledger::new(vec!["USDC".into(), "ETH".into()]);
        let h = l.open("pool");
        l.genesis(h, Amount::new(ETH, eth)).unwrap();
        l.genesis(h, Amount::new(USDC, usdc)).unwrap();
        l.seal();
        let p = Pool {
            holder: h,
            base: ETH,
            quote: USDC,
            base_decimals: 18,
            quote_decimals: 6,
            fee_ppm,
            curve,
        };
        (l, p)
    }

    #[test]
    fn uniswap_v2_amount_out_and_in_match_the_library() {
        // Reserves 1,000 ETH and 3,000,000 USDC, fee 0.3%: selling 1 ETH pays
        // out = 1e18·997000·3e12 / (1e21·1e6 + 1e18·997000) = 2,988,020,943 atoms
        // (floored), i.e. $2,988.02 for an ETH marked at $3,000.
        let (l, p) = world(
            Curve::ConstantProduct,
            1_000 * 10i128.pow(18),
            3_000_000 * 10i128.pow(6),
            3_000,
        );
        let out = p
            .amount_out(&l, Direction::SellBase, 10i128.pow(18))
            .unwrap();
        assert_eq!(out, 2_988_020_943);
        // getAmountIn for that output gives back at most the input (+1 atom rounding).
        let back = p.amount_in(&l, Direction::SellBase, out).unwrap().unwrap();
        assert!(back <= 10i128.pow(18) + 1 && back >= 10i128.pow(18) - 10i128.pow(9));
        assert_eq!(p.mid(&l).unwrap(), Price::from_atoms(3_000 * 100_000_000));
        assert_eq!(
            p.amount_in(&l, Direction::SellBase, 3_000_000 * 10i128.pow(6))
                .unwrap(),
            None
        );
    }

    #[test]
    fn a_stableswap_drained_past_its_invariant_reverts_instead_of_failing_the_run() {
        let curve = Curve::StableSwap {
            amplification: 200,
            rate_e18: NORM,
        };
        // One USDC atom against ten trillion ETH-units: Curve's get_D gives up.
        let (mut l, p) = world(curve, 10i128.pow(31), 1, 400);
        let (b, q) = p.reserves(&l);
        let (xb, xq) = p.normalized(b, q).unwrap();
        assert!(reverts(&get_d(xb, xq, U256::from(200u32)).unwrap_err()));
        assert_eq!(
            p.amount_out(&l, Direction::SellBase, 10i128.pow(18))
                .unwrap(),
            0
        );
        assert!(
            p.mid(&l).is_ok(),
            "the mid falls back to the reserves' ratio"
        );
        let trader = l.open("trader");
        l.external_in(trader, Amount::new(ETH, 10i128.pow(18)))
            .unwrap();
        let out =
            crate::agents::swap(&mut l, &p, trader, Amount::new(ETH, 10i128.pow(18))).unwrap();
        assert_eq!(out.atoms(), 0);
        assert_eq!(
            l.balance(trader, ETH).atoms(),
            10i128.pow(18),
            "nothing taken"
        );
        assert!(l.imbalances().is_empty());
    }

    #[test]
    fn stableswap_pays_close_to_par_and_slips_only_when_unbalanced() {
        let e6 = 10i128.pow(6);
        let e18 = 10i128.pow(18);
        let curve = Curve::StableSwap {
            amplification: 100,
            rate_e18: NORM,
        };
        // Balanced 10M/10M pool: selling 100k pays within 0.1% of par (fee 0.04%).
        let (l, p) = world(curve, 10_000_000 * e18, 10_000_000 * e6, 400);
        let out = p
            .amount_out(&l, Direction::SellBase, 100_000 * e18)
            .unwrap();
        assert!(out > 99_900 * e6 && out < 100_000 * e6, "{out}");
        let mid = p.mid(&l).unwrap().to_f64();
        assert!((mid - 1.0).abs() < 1e-4, "{mid}");
        // 95/5 pool: the heavy coin trades well below par.
        let (l, p) = world(curve, 19_000_000 * e18, 1_000_000 * e6, 400);
        let mid = p.mid(&l).unwrap().to_f64();
        assert!(mid < 0.9, "{mid}");
        // A constant-product pool at the same reserves is far worse.
        let (lc, pc) = world(
            Curve::ConstantProduct,
            19_000_000 * e18,
            1_000_000 * e6,
            400,
        );
        assert!(pc.mid(&lc).unwrap().to_f64() < mid);
    }

    #[test]
    fn a_rate_pegs_the_pool_away_from_one() {
        let e18 = 10i128.pow(18);
        // wstETH/ETH at 1.18 ETH per wstETH, both 18 decimals.
        let mut l = Ledger::new(vec!["ETH".into(), "wstETH".into()]);
        let h = l.open("pool");
        l.genesis(h, Amount::new(AssetId(1), 10_000 * e18)).unwrap();
        l.genesis(h, Amount::new(AssetId(0), 11_800 * e18)).unwrap();
        let p = Pool {
            holder: h,
            base: AssetId(1),
            quote: AssetId(0),
            base_decimals: 18,
            quote_decimals: 18,
            fee_ppm: 100,
            curve: Curve::StableSwap {
                amplification: 50,
                rate_e18: 1_180_000_000_000_000_000,
            },
        };
        let mid = p.mid(&l).unwrap().to_f64();
        assert!((mid - 1.18).abs() < 1e-3, "{mid}");
        let out = p.amount_out(&l, Direction::SellBase, e18).unwrap();
        assert!(
            out > 1_179 * e18 / 1000 && out < 1_180 * e18 / 1000,
            "{out}"
        );
        let cost = p.amount_in(&l, Direction::BuyBase, e18).unwrap().unwrap();
        assert!(
            cost > 1_180 * e18 / 1000 && cost < 1_182 * e18 / 1000,
            "{cost}"
        );
    }
}
