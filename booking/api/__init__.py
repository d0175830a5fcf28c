"""HTTP controllers: parse a Struct, call one service method, return a *Read Struct."""
