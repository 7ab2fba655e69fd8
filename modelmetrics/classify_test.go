package modelmetrics

import "testing"

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		q            string
		op           Op
		schema, name string
	}{
		// The verbs, in any case, with the shapes ORMs and sqlc write.
		{"INSERT INTO dogs (name) VALUES (?)", Insert, "", "dogs"},
		{"insert into dogs(name) values ($1) returning id", Insert, "", "dogs"},
		{"InSeRt InTo dogs VALUES (1), (2), (3)", Insert, "", "dogs"},
		{"INSERT INTO dogs DEFAULT VALUES", Insert, "", "dogs"},
		{"INSERT INTO dogs SELECT * FROM old_dogs", Insert, "", "dogs"},
		{"INSERT dogs SET name = 'x'", Insert, "", "dogs"},
		{"INSERT IGNORE INTO dogs VALUES (1)", Insert, "", "dogs"},
		{"INSERT LOW_PRIORITY INTO dogs VALUES (1)", Insert, "", "dogs"},
		{"INSERT OR IGNORE INTO dogs VALUES (1)", Insert, "", "dogs"},
		{"INSERT INTO dogs AS d (name) VALUES ('x')", Insert, "", "dogs"},
		{"INSERT INTO dogs (id) VALUES (1) ON CONFLICT DO NOTHING", Insert, "", "dogs"},
		{"INSERT INTO dogs (id) VALUES (1) ON CONFLICT (id) DO NOTHING", Insert, "", "dogs"},
		{"UPDATE dogs SET name = ? WHERE id = ?", Update, "", "dogs"},
		{"update dogs set age = age + 1", Update, "", "dogs"},
		{"UPDATE dogs AS d SET name = 'x' FROM lawns l WHERE l.id = d.lawn", Update, "", "dogs"},
		{"UPDATE dogs d SET name = 'x'", Update, "", "dogs"},
		{"UPDATE ONLY dogs SET name = 'x'", Update, "", "dogs"},
		{"UPDATE LOW_PRIORITY IGNORE dogs SET name = 'x'", Update, "", "dogs"},
		{"UPDATE OR ABORT dogs SET name = 'x'", Update, "", "dogs"},
		{"DELETE FROM dogs WHERE id = $1", Delete, "", "dogs"},
		{"delete from dogs", Delete, "", "dogs"},
		{"DELETE FROM dogs;", Delete, "", "dogs"},
		{"DELETE FROM dogs ;  -- done\n", Delete, "", "dogs"},
		{"DELETE FROM ONLY dogs WHERE true", Delete, "", "dogs"},
		{"DELETE FROM dogs AS d USING lawns l WHERE l.id = d.lawn", Delete, "", "dogs"},
		{"DELETE FROM dogs d WHERE d.id = 1", Delete, "", "dogs"},
		{"DELETE QUICK FROM dogs LIMIT 10", Delete, "", "dogs"},
		{"DELETE FROM dogs ORDER BY id LIMIT 1", Delete, "", "dogs"},
		{"DELETE FROM dogs RETURNING id", Delete, "", "dogs"},

		// Quoting and qualification.
		{`INSERT INTO "dogs" ("name") VALUES ($1)`, Insert, "", "dogs"},
		{"INSERT INTO `dogs` (`name`) VALUES (?)", Insert, "", "dogs"},
		{"INSERT INTO [dogs] VALUES (1)", Insert, "", "dogs"},
		{"INSERT INTO public.dogs VALUES (1)", Insert, "public", "dogs"},
		{`UPDATE "public"."dogs" SET name = 'x'`, Update, "public", "dogs"},
		{"DELETE FROM `test`.`dogs` WHERE 1", Delete, "test", "dogs"},
		{"DELETE FROM db.public.dogs", Delete, "public", "dogs"},
		{"INSERT INTO public . dogs VALUES (1)", Insert, "public", "dogs"},
		{`INSERT INTO "Dogs Table" VALUES (1)`, Insert, "", "Dogs Table"},

		// Comments.
		{"-- name: CreateDog :one\nINSERT INTO dogs (name) VALUES ($1) RETURNING *", Insert, "", "dogs"},
		{"/* controller='dogs' */ UPDATE dogs SET name = $1", Update, "", "dogs"},
		{"DELETE /* hint */ FROM /* x */ dogs -- trailing", Delete, "", "dogs"},
		{"/*+ MAX_EXECUTION_TIME(1000) */ DELETE FROM dogs", Delete, "", "dogs"},
		{"INSERT INTO dogs VALUES ('-- not a comment', '/* nor this */')", Insert, "", "dogs"},

		// Literals that look like the end of the statement.
		{"INSERT INTO dogs VALUES ('a;b')", Insert, "", "dogs"},
		{"INSERT INTO dogs VALUES ('it''s')", Insert, "", "dogs"},
		{"INSERT INTO dogs VALUES ($$;DELETE FROM lawns$$)", Insert, "", "dogs"},
		{"INSERT INTO dogs VALUES ($tag$ $$ ; $tag$)", Insert, "", "dogs"},
		{"INSERT INTO dogs VALUES ('ON DUPLICATE KEY UPDATE')", Insert, "", "dogs"},

		// WITH before the verb.
		{"WITH x AS (SELECT 1) INSERT INTO dogs SELECT * FROM x", Insert, "", "dogs"},
		{"with recursive x(n) as (select 1 union all select n+1 from x where n < 3) insert into dogs select n from x", Insert, "", "dogs"},
		{"WITH a AS MATERIALIZED (SELECT 1), b AS NOT MATERIALIZED (SELECT (2)) UPDATE dogs SET age = 1", Update, "", "dogs"},
		{"WITH gone AS (DELETE FROM lawns RETURNING id) DELETE FROM dogs WHERE lawn IN (SELECT id FROM gone)", Delete, "", "dogs"},

		// Unsure, or not a write: nothing.
		{"SELECT * FROM dogs", 0, "", ""},
		{"WITH x AS (SELECT 1) SELECT * FROM x", 0, "", ""},
		{"WITH x AS (INSERT INTO dogs VALUES (1) RETURNING *) SELECT * FROM x", 0, "", ""},
		{"EXPLAIN DELETE FROM dogs", 0, "", ""},
		{"INSERT INTO dogs VALUES (1); DELETE FROM lawns", 0, "", ""},
		{"DELETE FROM dogs; DELETE FROM dogs", 0, "", ""},
		{"INSERT INTO dogs VALUES (1) ON DUPLICATE KEY UPDATE name = 'x'", 0, "", ""},
		{"INSERT INTO dogs (id) VALUES (1) ON CONFLICT (id) DO UPDATE SET name = excluded.name", 0, "", ""},
		{"REPLACE INTO dogs VALUES (1)", 0, "", ""},
		{"INSERT OR REPLACE INTO dogs VALUES (1)", 0, "", ""},
		{"UPDATE OR REPLACE dogs SET id = 1", 0, "", ""},
		{"UPDATE dogs JOIN lawns ON dogs.lawn = lawns.id SET dogs.name = 'x'", 0, "", ""},
		{"UPDATE dogs, lawns SET dogs.name = 'x'", 0, "", ""},
		{"UPDATE dogs d, lawns l SET d.name = 'x'", 0, "", ""},
		{"DELETE dogs FROM dogs JOIN lawns", 0, "", ""},
		{"DELETE FROM dogs, lawns USING dogs JOIN lawns", 0, "", ""},
		{"/*!40000 DELETE FROM lawns */ DELETE FROM dogs", 0, "", ""},
		{"# comment\nDELETE FROM dogs", 0, "", ""},
		{"--comment\nDELETE FROM dogs", 0, "", ""},
		{"/* a /* b */ DELETE FROM dogs */ DELETE FROM lawns", 0, "", ""},
		{"INSERT INTO dogs VALUES ('it\\'s')", 0, "", ""},
		{"INSERT INTO dogs VALUES ('open", 0, "", ""},
		{"DELETE FROM dogs /* open", 0, "", ""},
		{"INSERT INTO dogs VALUES ($$open", 0, "", ""},
		{`INSERT INTO "dogs"".x" VALUES (1)`, 0, "", ""},
		{"INSERT INTO a.b.c.d VALUES (1)", 0, "", ""},
		{"INSERT INTO", 0, "", ""},
		{"UPDATE dogs", 0, "", ""},
		{"DELETE dogs", 0, "", ""},
		{"WITH x AS (SELECT 1 INSERT INTO dogs VALUES (1)", 0, "", ""},
		{"", 0, "", ""},
		{";", 0, "", ""},
	} {
		got := classify(tc.q)
		if got.op != tc.op || got.schema != tc.schema || got.name != tc.name {
			t.Errorf("classify(%q) = %v %q.%q, want %v %q.%q", tc.q, got.op, got.schema, got.name, tc.op, tc.schema, tc.name)
		}
	}
}
