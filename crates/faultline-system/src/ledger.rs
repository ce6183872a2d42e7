//! Every token every holder has, in integer atoms, and the identity that proves none is
//! created or lost: for each token, `Σ balances = genesis + minted − burned`, checked
//! after every block.
//!
//! Protocols keep their users' positions (deposits, debts, vaults) as claims in their
//! own books; the tokens themselves sit here, with the protocol, in wallets or in pools.

use crate::SystemError;

/// A token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Token {
    /// USD Coin, 6 decimals.
    Usdc,
    /// Ether, 8 decimals here.
    Eth,
    /// The CDP's stablecoin, 8 decimals.
    Fusd,
    /// The CDP's governance token, minted by debt auctions, 8 decimals.
    Mkr,
}

impl Token {
    /// All tokens, in ledger order.
    pub const ALL: [Token; 4] = [Token::Usdc, Token::Eth, Token::Fusd, Token::Mkr];

    /// Atoms per unit.
    pub fn scale(self) -> i128 {
        match self {
            Token::Usdc => 1_000_000,
            _ => 100_000_000,
        }
    }

    /// Symbol.
    pub fn symbol(self) -> &'static str {
        match self {
            Token::Usdc => "USDC",
            Token::Eth => "ETH",
            Token::Fusd => "FUSD",
            Token::Mkr => "MKR",
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    /// Units → atoms, rounded down (what a payer can afford never rounds up).
    pub fn atoms(self, units: f64) -> i128 {
        if !units.is_finite() || units <= 0.0 {
            return 0;
        }
        #[allow(clippy::cast_possible_truncation)] // bounded by the product's scales
        let a = libm::floor(units * self.scale() as f64) as i128;
        a
    }

    /// Atoms → units.
    pub fn units(self, atoms: i128) -> f64 {
        atoms as f64 / self.scale() as f64
    }
}

/// Who holds tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Holder {
    /// The ETH/USDC pool.
    EthPool,
    /// The arbitrageur tying the ETH pool to the reference price.
    Arbitrageur,
    /// The FUSD/USDC peg pool.
    PegPool,
    /// The MKR/USDC pool.
    MkrPool,
    /// The CDP's vat: collateral locked in vaults.
    CdpVat,
    /// Collateral in auction.
    CdpClipper,
    /// The CDP's surplus buffer (FUSD).
    CdpVow,
    /// Vault owners' wallets.
    VaultOwners,
    /// Keepers' wallets.
    Keepers,
    /// FUSD holders.
    FusdHolders,
    /// Debt-auction bidders.
    MkrBidders,
    /// The lending market's pool: collateral and USDC cash.
    LendingPool,
    /// The lending market's treasury (protocol fees, reserve factor).
    LendingTreasury,
    /// The lending market's reserve fund.
    LendingReserveFund,
    /// Lending borrowers' wallets.
    Borrowers,
    /// Lending depositors' wallets.
    Depositors,
    /// Lending liquidators.
    Liquidators,
    /// The options vault.
    OptionsVault,
    /// The options vault's depositors.
    VaultDepositors,
    /// Option buyers.
    OptionBuyers,
    /// The perp venue's reserve for its insurance fund.
    PerpReserve,
    /// USDC that crossed into the perp venue's own books (its insurance fund).
    PerpVenue,
    /// Arbitrageurs redeeming an algorithmic stablecoin for the governance token.
    Redeemers,
}

impl Holder {
    /// All holders, in ledger order.
    pub const ALL: [Holder; 23] = [
        Holder::EthPool,
        Holder::Arbitrageur,
        Holder::PegPool,
        Holder::MkrPool,
        Holder::CdpVat,
        Holder::CdpClipper,
        Holder::CdpVow,
        Holder::VaultOwners,
        Holder::Keepers,
        Holder::FusdHolders,
        Holder::MkrBidders,
        Holder::LendingPool,
        Holder::LendingTreasury,
        Holder::LendingReserveFund,
        Holder::Borrowers,
        Holder::Depositors,
        Holder::Liquidators,
        Holder::OptionsVault,
        Holder::VaultDepositors,
        Holder::OptionBuyers,
        Holder::PerpReserve,
        Holder::PerpVenue,
        Holder::Redeemers,
    ];

    fn index(self) -> usize {
        self as usize
    }
}

/// Balances and supply of every token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ledger {
    balances: Vec<[i128; 4]>,
    genesis: [i128; 4],
    minted: [i128; 4],
    burned: [i128; 4],
    sealed: bool,
}

impl Default for Ledger {
    fn default() -> Self {
        Self::new()
    }
}

impl Ledger {
    /// An empty ledger, open for genesis allocations.
    pub fn new() -> Self {
        Self {
            balances: vec![[0; 4]; Holder::ALL.len()],
            genesis: [0; 4],
            minted: [0; 4],
            burned: [0; 4],
            sealed: false,
        }
    }

    /// Give `holder` tokens at the start (before [`Ledger::seal`]).
    pub fn genesis(
        &mut self,
        holder: Holder,
        token: Token,
        atoms: i128,
    ) -> Result<(), SystemError> {
        if self.sealed || atoms < 0 {
            return Err(SystemError::Ledger(format!(
                "genesis of {atoms} {} atoms to {holder:?} after the start or negative",
                token.symbol()
            )));
        }
        self.balances[holder.index()][token.index()] += atoms;
        self.genesis[token.index()] += atoms;
        Ok(())
    }

    /// End genesis: from now on tokens only move, or are minted and burned on record.
    pub fn seal(&mut self) {
        self.sealed = true;
    }

    /// Balance.
    pub fn balance(&self, holder: Holder, token: Token) -> i128 {
        self.balances[holder.index()][token.index()]
    }

    /// Move `atoms` (≥ 0) of `token`; the payer must have them.
    pub fn transfer(
        &mut self,
        token: Token,
        from: Holder,
        to: Holder,
        atoms: i128,
    ) -> Result<(), SystemError> {
        self.take(token, from, atoms)?;
        self.balances[to.index()][token.index()] += atoms;
        Ok(())
    }

    /// Create `atoms` of `token` for `to`.
    pub fn mint(&mut self, token: Token, to: Holder, atoms: i128) -> Result<(), SystemError> {
        if atoms < 0 {
            return Err(SystemError::Ledger(format!(
                "negative mint of {}",
                token.symbol()
            )));
        }
        self.balances[to.index()][token.index()] += atoms;
        self.minted[token.index()] += atoms;
        Ok(())
    }

    /// Destroy `atoms` of `token` held by `from`.
    pub fn burn(&mut self, token: Token, from: Holder, atoms: i128) -> Result<(), SystemError> {
        self.take(token, from, atoms)?;
        self.burned[token.index()] += atoms;
        Ok(())
    }

    fn take(&mut self, token: Token, from: Holder, atoms: i128) -> Result<(), SystemError> {
        let b = &mut self.balances[from.index()][token.index()];
        if atoms < 0 || *b < atoms {
            return Err(SystemError::Ledger(format!(
                "{from:?} cannot pay {atoms} {} atoms (holds {})",
                token.symbol(),
                *b
            )));
        }
        *b -= atoms;
        Ok(())
    }

    /// Minted so far.
    pub fn minted(&self, token: Token) -> i128 {
        self.minted[token.index()]
    }

    /// Burned so far.
    pub fn burned(&self, token: Token) -> i128 {
        self.burned[token.index()]
    }

    /// Supply: genesis + minted − burned.
    pub fn supply(&self, token: Token) -> i128 {
        self.genesis[token.index()] + self.minted[token.index()] - self.burned[token.index()]
    }

    /// `Σ balances − supply` per token; all zero in a correct run.
    pub fn conservation_error(&self) -> [i128; 4] {
        let mut e = [0i128; 4];
        for t in Token::ALL {
            let held: i128 = self.balances.iter().map(|b| b[t.index()]).sum();
            e[t.index()] = held - self.supply(t);
        }
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transfers_mints_and_burns_keep_the_identity() {
        let mut l = Ledger::new();
        l.genesis(Holder::FusdHolders, Token::Fusd, 1_000).unwrap();
        l.seal();
        l.transfer(Token::Fusd, Holder::FusdHolders, Holder::PegPool, 400)
            .unwrap();
        l.mint(Token::Fusd, Holder::Keepers, 50).unwrap();
        l.burn(Token::Fusd, Holder::PegPool, 100).unwrap();
        assert_eq!(l.supply(Token::Fusd), 950);
        assert_eq!(l.conservation_error(), [0; 4]);
        assert!(l
            .transfer(Token::Fusd, Holder::Keepers, Holder::CdpVow, 51)
            .is_err());
        assert!(l.genesis(Holder::Keepers, Token::Eth, 1).is_err());
        assert_eq!(l.balance(Holder::Keepers, Token::Fusd), 50);
    }
}
