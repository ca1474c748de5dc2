//! Unit tests of the editor analysis on the reference policy and on broken copies of it.
