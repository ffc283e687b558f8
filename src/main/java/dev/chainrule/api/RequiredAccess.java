package dev.chainrule.api;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The access a controller's routes need: on the class for all of its routes, on a method for that route (over the
 * class's). Every route declares one; a route with none is refused to every key ({@link Access#UNDECLARED}), and
 * the route table test lists every route with its access.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface RequiredAccess {
    Access value();
}
