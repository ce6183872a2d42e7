//! What the protocols share: the ETH reference path, AMM pools whose reserves are the
//! pool holders' ledger balances, gas prices and Maker's oracle security module.

use crate::config::{EthConfig, GasConfig};
use crate::ledger::{Holder, Ledger, Token};
use crate::SystemError;
use faultline_engine::process::{generate_paths, Gap, PathsInput, ProcessSpec, Stochastic};
use faultline_state::{AmmCurve, AmmPool, BookSide, WalkLimit};
use faultline_units::{Base, Ppm, Quote};

/// A pool, tied to the ledger holder whose balances are its reserves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolId {
    /// ETH/USDC, constant product.
    Eth,
    /// FUSD/USDC, stableswap.
    Peg,
    /// MKR/USDC, constant product.
    Mkr,
}

impl PoolId {
    /// The holder that owns the reserves.
    pub fn holder(self) -> Holder {
        match self {
            PoolId::Eth => Holder::EthPool,
            PoolId::Peg => Holder::PegPool,
            PoolId::Mkr => Holder::MkrPool,
        }
    }

    /// The pool's base token (its quote token is USDC).
    pub fn base(self) -> Token {
        match self {
            PoolId::Eth => Token::Eth,
            PoolId::Peg => Token::Fusd,
            PoolId::Mkr => Token::Mkr,
        }
    }
}

/// The three pools.
#[derive(Debug, Clone)]
pub struct Pools {
    pools: [Option<AmmPool>; 3],
}

fn slot(id: PoolId) -> usize {
    id as usize
}

fn to_i64(atoms: i128) -> Result<i64, SystemError> {
    i64::try_from(atoms).map_err(|_| SystemError::Ledger(format!("{atoms} atoms overflow a pool")))
}

impl Pools {
    /// No pools yet.
    pub fn new() -> Self {
        Self {
            pools: [None, None, None],
        }
    }

    /// Open a pool with reserves (in units) given to its holder at genesis.
    pub fn open(
        &mut self,
        ledger: &mut Ledger,
        id: PoolId,
        base_units: f64,
        usdc_units: f64,
        fee: f64,
        curve: AmmCurve,
    ) -> Result<(), SystemError> {
        let b = id.base().atoms(base_units);
        let q = Token::Usdc.atoms(usdc_units);
        ledger.genesis(id.holder(), id.base(), b)?;
        ledger.genesis(id.holder(), Token::Usdc, q)?;
        let fee = Ppm::from_f64(fee).map_err(|e| SystemError::Ledger(e.to_string()))?;
        self.pools[slot(id)] = Some(AmmPool::new(
            Base::from_atoms(to_i64(b)?),
            Quote::from_atoms(to_i64(q)?),
            fee,
            curve,
        ));
        Ok(())
    }

    /// Is the pool open?
    pub fn has(&self, id: PoolId) -> bool {
        self.pools[slot(id)].is_some()
    }

    fn pool(&self, id: PoolId) -> Result<&AmmPool, SystemError> {
        self.pools[slot(id)]
            .as_ref()
            .ok_or_else(|| SystemError::Ledger(format!("no {id:?} pool")))
    }

    /// Marginal price (USDC per base unit).
    pub fn price(&self, id: PoolId) -> Result<f64, SystemError> {
        Ok(self
            .pool(id)?
            .price()
            .map_err(|e| SystemError::Ledger(e.to_string()))?
            .to_f64())
    }

    /// USDC a sale of `base_atoms` would fetch now.
    pub fn quote_sell(&self, id: PoolId, base_atoms: i128) -> Result<i128, SystemError> {
        if base_atoms <= 0 {
            return Ok(0);
        }
        let f = self
            .pool(id)?
            .preview(
                BookSide::Bid,
                Base::from_atoms(to_i64(base_atoms)?),
                WalkLimit::None,
            )
            .map_err(|e| SystemError::Ledger(e.to_string()))?;
        Ok(i128::from(f.notional.atoms()))
    }

    /// Sell `base_atoms` of the pool's base token held by `seller`; returns USDC atoms.
    pub fn sell(
        &mut self,
        ledger: &mut Ledger,
        id: PoolId,
        seller: Holder,
        base_atoms: i128,
    ) -> Result<i128, SystemError> {
        if base_atoms <= 0 {
            return Ok(0);
        }
        let pool = self.pools[slot(id)]
            .as_mut()
            .ok_or_else(|| SystemError::Ledger(format!("no {id:?} pool")))?;
        // A sale of more than a million times the pool's reserve would fetch nothing more
        // (the price is already a trillionth of what it was) and overflow its books:
        // the rest stays with the seller.
        let reserve = i128::from(pool.reserves().0.atoms());
        let most = reserve
            .saturating_mul(1_000_000)
            .min(i128::from(i64::MAX) / 4 - reserve)
            .max(0);
        let base_atoms = base_atoms.min(most);
        let f = pool
            .execute(
                BookSide::Bid,
                Base::from_atoms(to_i64(base_atoms)?),
                WalkLimit::None,
            )
            .map_err(|e| SystemError::Ledger(e.to_string()))?;
        let filled = i128::from(f.filled.atoms());
        let got = i128::from(f.notional.atoms());
        ledger.transfer(id.base(), seller, id.holder(), filled)?;
        ledger.transfer(Token::Usdc, id.holder(), seller, got)?;
        Ok(got)
    }

    /// Spend at most `usdc_atoms` of `buyer`'s USDC on the pool's base token; returns the
    /// base atoms bought.
    pub fn buy(
        &mut self,
        ledger: &mut Ledger,
        id: PoolId,
        buyer: Holder,
        usdc_atoms: i128,
    ) -> Result<i128, SystemError> {
        if usdc_atoms <= 0 {
            return Ok(0);
        }
        let base = id.base();
        let price = self.price(id)?.max(1e-12);
        let pool = self.pool(id)?;
        // Never ask for more than the pool holds (a pool is bought down to 1% at most).
        let mut qty = base
            .atoms(Token::Usdc.units(usdc_atoms) / price)
            .min(i128::from(pool.reserves().0.atoms()));
        // The pool gets dearer as it is bought: shrink the order until it fits the budget.
        for _ in 0..8 {
            if qty <= 0 {
                return Ok(0);
            }
            let f = pool
                .preview(
                    BookSide::Ask,
                    Base::from_atoms(to_i64(qty)?),
                    WalkLimit::None,
                )
                .map_err(|e| SystemError::Ledger(e.to_string()))?;
            let cost = i128::from(f.notional.atoms());
            if cost <= usdc_atoms {
                break;
            }
            #[allow(clippy::cast_possible_truncation)] // a fraction of qty
            let shrunk = (qty as f64 * usdc_atoms as f64 / cost as f64 * 0.999) as i128;
            qty = shrunk;
        }
        let pool = self.pools[slot(id)]
            .as_mut()
            .ok_or_else(|| SystemError::Ledger(format!("no {id:?} pool")))?;
        let f = pool
            .execute(
                BookSide::Ask,
                Base::from_atoms(to_i64(qty.max(0))?),
                WalkLimit::None,
            )
            .map_err(|e| SystemError::Ledger(e.to_string()))?;
        let filled = i128::from(f.filled.atoms());
        let cost = i128::from(f.notional.atoms());
        ledger.transfer(Token::Usdc, buyer, id.holder(), cost)?;
        ledger.transfer(base, id.holder(), buyer, filled)?;
        Ok(filled)
    }

    /// Every open pool's reserves equal its holder's balances.
    pub fn in_sync(&self, ledger: &Ledger) -> bool {
        [PoolId::Eth, PoolId::Peg, PoolId::Mkr].iter().all(|&id| {
            self.pools[slot(id)].as_ref().is_none_or(|p| {
                let (b, q) = p.reserves();
                i128::from(b.atoms()) == ledger.balance(id.holder(), id.base())
                    && i128::from(q.atoms()) == ledger.balance(id.holder(), Token::Usdc)
            })
        })
    }
}

impl Default for Pools {
    fn default() -> Self {
        Self::new()
    }
}

/// ETH's reference price per block (index 0 is the opening price).
pub fn eth_path(cfg: &EthConfig, blocks: u64, block_time_ms: u64, seed: u64) -> Vec<f64> {
    let process = if cfg.path.is_empty() {
        ProcessSpec::Stochastic(Stochastic {
            initial: cfg.initial,
            drift_annual: 0.0,
            volatility_annual: cfg.volatility_annual,
            student_t_dof: None,
            jumps: None,
            garch: None,
            pins: Vec::new(),
        })
    } else {
        let mut p = cfg.path.clone();
        let last = *p.last().unwrap_or(&cfg.initial);
        p.resize(usize::try_from(blocks + 1).unwrap_or(usize::MAX), last);
        ProcessSpec::Replay(p)
    };
    let gaps: Vec<Gap> = cfg
        .gaps
        .iter()
        .map(|g| Gap {
            block: g.block,
            fraction: g.fraction,
        })
        .collect();
    let mut paths = generate_paths(&PathsInput {
        processes: &[process],
        gaps: &[gaps],
        correlation: None,
        blocks,
        block_time_ms,
        seed,
    });
    paths.pop().unwrap_or_default()
}

/// Gas price (gwei) in `block`.
pub fn gas_gwei(cfg: &GasConfig, block: u64) -> f64 {
    if !cfg.path.is_empty() {
        let i = usize::try_from(block)
            .unwrap_or(usize::MAX)
            .min(cfg.path.len() - 1);
        return cfg.path[i];
    }
    cfg.spikes
        .iter()
        .filter(|s| (s.start..=s.end).contains(&block))
        .map(|s| s.gwei)
        .fold(cfg.base_gwei, f64::max)
}

/// What one liquidation-sized transaction costs in USD at `gwei` and ETH at `eth`.
pub fn gas_cost_usd(cfg: &GasConfig, gwei: f64, eth: f64) -> f64 {
    gwei * 1e-9 * cfg.liquidation_gas as f64 * eth
}

/// Maker's oracle security module: the price in force is the one read a hop ago, and a
/// new reading is taken once a hop (`OSM.poke`; `hop` = 3,600 s on mainnet).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Osm {
    hop_blocks: u64,
    /// The price protocols use now.
    pub current: f64,
    /// The price that becomes current at the next poke.
    pub next: f64,
    last_poke: u64,
}

impl Osm {
    /// An OSM opened at `price`.
    pub fn new(hop_blocks: u64, price: f64) -> Self {
        Self {
            hop_blocks,
            current: price,
            next: price,
            last_poke: 0,
        }
    }

    /// Poke if a hop has passed since the last one; returns true if the price changed.
    pub fn poke(&mut self, block: u64, market: f64) -> bool {
        if self.hop_blocks == 0 {
            self.current = market;
            self.next = market;
            return true;
        }
        if block >= self.last_poke + self.hop_blocks {
            self.current = self.next;
            self.next = market;
            self.last_poke = block;
            return true;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osm_serves_the_price_of_one_hop_ago() {
        let mut o = Osm::new(300, 100.0);
        assert!(o.poke(300, 80.0));
        assert!((o.current - 100.0).abs() < 1e-12);
        assert!(!o.poke(400, 50.0));
        assert!(o.poke(600, 50.0));
        assert!((o.current - 80.0).abs() < 1e-12);
    }

    #[test]
    fn pool_trades_move_ledger_balances_and_reserves_together() {
        let mut l = Ledger::new();
        let mut p = Pools::new();
        p.open(
            &mut l,
            PoolId::Eth,
            1_000.0,
            2_000_000.0,
            0.003,
            AmmCurve::ConstantProduct,
        )
        .unwrap();
        l.genesis(Holder::Liquidators, Token::Eth, Token::Eth.atoms(10.0))
            .unwrap();
        l.genesis(
            Holder::Arbitrageur,
            Token::Usdc,
            Token::Usdc.atoms(50_000.0),
        )
        .unwrap();
        l.seal();
        let got = p
            .sell(
                &mut l,
                PoolId::Eth,
                Holder::Liquidators,
                Token::Eth.atoms(10.0),
            )
            .unwrap();
        assert!(Token::Usdc.units(got) < 20_000.0 && Token::Usdc.units(got) > 19_500.0);
        let bought = p
            .buy(
                &mut l,
                PoolId::Eth,
                Holder::Arbitrageur,
                Token::Usdc.atoms(50_000.0),
            )
            .unwrap();
        assert!(bought > 0);
        assert!(l.balance(Holder::Arbitrageur, Token::Usdc) >= 0);
        assert!(p.in_sync(&l));
        assert_eq!(l.conservation_error(), [0; 4]);
    }
}
