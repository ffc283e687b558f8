package dev.chainrule.model;

import java.util.List;

/**
 * One page of a listing.
 *
 * @param items      this page's items
 * @param page       0-based page number
 * @param size       page size asked for
 * @param totalItems items over all pages
 */
public record Page<T>(List<T> items, int page, int size, long totalItems) {

    public static <T> Page<T> of(List<T> all, int page, int size) {
        int from = (int) Math.min((long) page * size, all.size());
        int to = Math.min(from + size, all.size());
        return new Page<>(List.copyOf(all.subList(from, to)), page, size, all.size());
    }

    public int totalPages() {
        return (int) ((totalItems + size - 1) / size);
    }

    public <R> Page<R> map(java.util.function.Function<T, R> mapper) {
        return new Page<>(items.stream().map(mapper).toList(), page, size, totalItems);
    }
}
