import DysonCore
