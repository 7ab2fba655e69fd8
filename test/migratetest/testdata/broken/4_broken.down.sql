DROP TABLE broken
