package dev.chainrule.client;

import java.util.List;

/**
 * One page of a listing, oldest first.
 *
 * @param items      this page's items
 * @param page       this page's number, 0-based
 * @param size       the page size asked for
 * @param totalItems items over all pages
 * @param totalPages pages in all
 */
public record Page<T>(List<T> items, int page, int size, long totalItems, int totalPages) {

    /** Whether a page follows this one. */
    public boolean hasNext() {
        return page + 1 < totalPages;
    }
}
