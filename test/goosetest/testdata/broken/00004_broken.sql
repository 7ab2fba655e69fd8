-- +goose Up
CREATE TABLE broken (id INTEGER PRIMARY KEY, oops NOT A TYPE (;

-- +goose Down
DROP TABLE broken;
