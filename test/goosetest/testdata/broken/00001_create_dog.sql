-- +goose Up
CREATE TABLE dog (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL);

-- +goose Down
DROP TABLE dog;
