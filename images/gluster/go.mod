module lab/copy

go 1.19
