import { reviewSql, splitStatements } from '../src';

const texts = (sql: string): string[] => splitStatements(sql).statements.map((s) => s.text);

describe('no statement is ever hidden by the splitter', () => {
  it('reviews a DROP TABLE written after a ; inside a DELIMITER block', () => {
    const sql = 'DELIMITER //\nALTER TABLE t ADD COLUMN a INT NULL; DROP TABLE users;\n//\nDELIMITER ;\n';
    expect(texts(sql)).toEqual(['ALTER TABLE t ADD COLUMN a INT NULL', 'DROP TABLE users']);
    const drop = reviewSql(sql).findings.find((f) => f.ruleId === 'safety-drop-table');
    expect(drop).toMatchObject({ line: 2, column: 38 });
  });

  it('keeps a routine body with ; in one piece inside DELIMITER and cuts what follows its END', () => {
    const sql = 'DELIMITER //\nCREATE PROCEDURE p() BEGIN SELECT 1; IF x THEN SELECT 2; END IF; END; DROP TABLE users //\nDELIMITER ;\n';
    expect(texts(sql)).toEqual(['CREATE PROCEDURE p() BEGIN SELECT 1; IF x THEN SELECT 2; END IF; END', 'DROP TABLE users']);
  });

  it('reads BEGIN ... END routines written without DELIMITER as one statement', () => {
    const sql = 'CREATE DEFINER=`app`@`%` PROCEDURE p()\nBEGIN\n  SELECT IF(a, 1, 2) FROM t;\n  UPDATE t SET a = 1 WHERE id = 2;\nEND;\nDROP TABLE users;';
    expect(texts(sql)).toEqual(['CREATE DEFINER=`app`@`%` PROCEDURE p()\nBEGIN\n  SELECT IF(a, 1, 2) FROM t;\n  UPDATE t SET a = 1 WHERE id = 2;\nEND', 'DROP TABLE users']);
    const result = reviewSql(sql);
    expect(result.summary.unparsed).toBe(0);
    expect(result.findings.filter((f) => f.ruleId === 'safety-drop-table').map((f) => f.line)).toEqual([6]);
  });

  it('ends a one-statement trigger body at its ;', () => {
    expect(texts('CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW SET NEW.a = 1; DROP TABLE u;')).toEqual(['CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW SET NEW.a = 1', 'DROP TABLE u']);
  });

  it('does not let a routine whose BEGIN never closes swallow the statements after it', () => {
    for (const sql of ['CREATE PROCEDURE p() BEGIN SELECT 1;\nDROP TABLE users;', 'DELIMITER $$\nCREATE PROCEDURE p() BEGIN SELECT 1; DROP TABLE users $$\nDELIMITER ;\n']) {
      const result = reviewSql(sql);
      expect(result.findings.filter((f) => f.ruleId === 'safety-drop-table')).toHaveLength(1);
      expect(result.summary.statements).toBe(2);
    }
  });

  it('never joins a routine across a DELIMITER line', () => {
    expect(texts('DELIMITER $$\nCREATE PROCEDURE p() BEGIN SELECT 1; $$\nDELIMITER ;\nSELECT 2; END;')).toEqual(['CREATE PROCEDURE p() BEGIN SELECT 1', 'SELECT 2', 'END']);
  });
});
