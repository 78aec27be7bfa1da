/* .ci/cppcheck-macros.h - definitions cppcheck cannot take from the system headers it is not
 * given (only the project's own code is analysed). */
#define json_object_object_foreach(obj, key, val)                                                 \
    for (char *key = NULL; key;)                                                                   \
        for (struct json_object *val = NULL; val;)
