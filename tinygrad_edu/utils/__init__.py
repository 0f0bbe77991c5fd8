"""tinygrad_edu.utils: `data` (Dataset, DataLoader, random_split), as torch.utils."""
from . import data

__all__ = ["data"]
