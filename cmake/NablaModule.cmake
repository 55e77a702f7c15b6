# nabla_add_module(NAME DEPS <lower modules...> [PRIVATE_DEPS <libs...>])
# A module is a folder src/NAME and a shared library nabla_NAME. Shared libraries are linked with
# --no-undefined, so a module that calls into a higher module fails to link: the layering of
# design.md §1 is enforced by the linker, not by convention.
function(nabla_compile_options target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wno-unused-parameter)
  # GCC 12 warns falsely in libstdc++'s operator+("literal", std::string&&) at -O3 (GCC PR 105651,
  # fixed in GCC 13); the warning stays on for other compilers.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(${target} PRIVATE -Wno-restrict)
  endif()
  if(NABLA_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(NABLA_SANITIZE)
    # GCC 12 reports false -Wmaybe-uninitialized under -fsanitize (std::variant copies in
    # initializer lists); the warning stays on in every other build.
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer
                                             -fno-sanitize-recover=undefined
                                             -Wno-maybe-uninitialized)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
endfunction()

function(nabla_add_module NAME)
  cmake_parse_arguments(ARG "" "" "DEPS;PRIVATE_DEPS" ${ARGN})
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  set(target nabla_${NAME})
  add_library(${target} SHARED ${sources})
  add_library(nabla::${NAME} ALIAS ${target})
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${NAME} OUTPUT_NAME nabla_${NAME}
                        VERSION ${PROJECT_VERSION} SOVERSION ${PROJECT_VERSION_MAJOR}
                        INSTALL_RPATH "$ORIGIN" INSTALL_RPATH_USE_LINK_PATH TRUE)
  target_include_directories(${target}
    PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
           $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>
    PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${target} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  target_link_options(${target} PRIVATE -Wl,--no-undefined)
  # Kernels may ignore errno; lets the compiler vectorise sqrt and friends.
  target_compile_options(${target} PRIVATE -fno-math-errno)
  nabla_compile_options(${target})
  set_property(GLOBAL APPEND PROPERTY NABLA_MODULES ${target})
endfunction()
