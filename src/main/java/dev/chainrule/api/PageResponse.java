package dev.chainrule.api;

import dev.chainrule.model.Page;
import java.util.List;

/** One page of a listing, with what a client needs to ask for the next. */
public record PageResponse<T>(List<T> items, int page, int size, long totalItems, int totalPages) {

    public static <T> PageResponse<T> of(Page<T> page) {
        return new PageResponse<>(page.items(), page.page(), page.size(), page.totalItems(), page.totalPages());
    }
}
