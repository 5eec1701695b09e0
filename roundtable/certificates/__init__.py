"""社区证明: certificates a published resolution authorises, their register and their public check."""
