// Text that means a database error leaked to a user instead of being turned
// into an answer: shared by the fuzz and bad-input tests.
// Case matters: "Input validation error: " is the MCP SDK's own wording, PostgreSQL's is "ERROR:  ".
export const RAW_DATABASE_ERROR =
  /syntax error at or near|SQLSTATE|invalid byte sequence|unterminated quoted|no operand in tsquery|tsquery|at character \d+|relation "|column "|\bERROR: |PGlite|\bpg_|duplicate key|null value in column/;
