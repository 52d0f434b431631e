// What Jest loads for `dt-sql-parser` (jest.preset.cjs moduleNameMapper). The package's index loads
// all eight SQL dialects (20 MB of generated ANTLR parsers: about 2 s of CPU per test file under
// Jest's transform, in every test file that reaches libs/review); the code parses MySQL only, with
// the same classes re-exported here. A dialect not listed here is undefined in tests: add it.
module.exports = {
  MySQL: require('dt-sql-parser/dist/parser/mysql').MySQL,
  MySqlParserListener: require('dt-sql-parser/dist/lib/mysql/MySqlParserListener').MySqlParserListener,
  MySqlParserVisitor: require('dt-sql-parser/dist/lib/mysql/MySqlParserVisitor').MySqlParserVisitor,
  EntityContextType: require('dt-sql-parser/dist/parser/common/types').EntityContextType,
  StmtContextType: require('dt-sql-parser/dist/parser/common/entityCollector').StmtContextType,
};
